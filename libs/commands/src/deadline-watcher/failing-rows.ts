/** The first retry of a row that failed comes this soon; each further failure doubles it. */
const FIRST_RETRY_MS = 1_000;
/** A row that keeps failing is still tried this often, so a fixed cause is noticed without a restart. */
const MAX_RETRY_MS = 5 * 60_000;

export interface RowFailure {
  requestId: string;
  /** Failures in a row since the request was last judged. */
  attempts: number;
  error: string;
  failedAt: Date;
  retryAt: Date;
}

/** How long a row waits before its next try after `attempts` failures in a row. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(30, Math.max(0, attempts - 1)));
}

/**
 * The requests the watcher could not judge, each waiting out its backoff. A row that fails for
 * good (an unreadable stream, a bug) is tried less and less often, so it costs the sweep nothing
 * and never holds up the requests behind it; it stays listed until it is judged or no longer due.
 */
export class FailingRows {
  private readonly rows = new Map<string, RowFailure>();

  get size(): number {
    return this.rows.size;
  }

  /** Whether the row is still waiting out its backoff at `now` (then the sweep passes it by). */
  isWaiting(requestId: string, now: Date): boolean {
    const failure = this.rows.get(requestId);
    return failure !== undefined && failure.retryAt.getTime() > now.getTime();
  }

  failed(requestId: string, error: string, now: Date): RowFailure {
    const attempts = (this.rows.get(requestId)?.attempts ?? 0) + 1;
    const failure = { requestId, attempts, error, failedAt: now, retryAt: new Date(now.getTime() + retryDelayMs(attempts)) };
    this.rows.set(requestId, failure);
    return failure;
  }

  judged(requestId: string): void {
    this.rows.delete(requestId);
  }

  /** Forgets the rows a complete sweep no longer found due (offered, withdrawn, judged elsewhere). */
  keepOnly(stillDue: ReadonlySet<string>): void {
    for (const requestId of this.rows.keys()) if (!stillDue.has(requestId)) this.rows.delete(requestId);
  }

  list(): RowFailure[] {
    return [...this.rows.values()];
  }
}
