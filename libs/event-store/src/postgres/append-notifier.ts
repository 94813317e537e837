import type { Pool, PoolClient } from 'pg';

export const APPEND_CHANNEL = 'es_appended';

/**
 * At most one NOTIFY per this many ms: every NOTIFY commits through PostgreSQL's notification
 * queue lock, and one per append cost a third of the append rate with 16 writers (npm run bench).
 */
const NOTIFY_COALESCE_MS = 10;

/**
 * Wakes live subscribers when events were appended: at once in this process, and through
 * LISTEN/NOTIFY in others. The NOTIFY is sent after the append committed, outside its
 * transaction, coalesced over NOTIFY_COALESCE_MS. It is only a hint; a subscriber that misses
 * one (e.g. the writer crashed right after its commit) re-reads on its safety interval.
 */
export class AppendNotifier {
  private readonly localWaiters = new Set<() => void>();
  private scheduled?: NodeJS.Timeout;
  /** Counts wake-ups, so a reader can tell whether one came while it was reading (no lost wake-up). */
  private wakeups = 0;
  private listener?: PoolClient;
  private closed = false;
  private readonly released = new WeakSet<PoolClient>();

  constructor(private readonly pool: Pool) {}

  /** Called after each committed append. */
  appended(): void {
    this.wakeLocal();
    if (this.scheduled || this.closed) return;
    this.scheduled = setTimeout(() => {
      this.scheduled = undefined;
      this.pool.query(`SELECT pg_notify('${APPEND_CHANNEL}', '')`).catch(() => undefined);
    }, NOTIFY_COALESCE_MS);
  }

  /** A mark to pass to `waitForAppend`: taken before reading, it catches appends during the read. */
  get mark(): number {
    return this.wakeups;
  }

  /** Resolves on the next append notification after `mark`, after `timeoutMs`, or when aborted. */
  async waitForAppend(timeoutMs: number, signal?: AbortSignal, mark = this.wakeups): Promise<void> {
    await this.ensureListening();
    if (this.wakeups !== mark) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.localWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      this.localWaiters.add(done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.scheduled);
    this.wakeLocal();
    const listener = this.listener;
    this.listener = undefined;
    if (listener) {
      await listener.query(`UNLISTEN ${APPEND_CHANNEL}`).catch(() => undefined);
      this.release(listener);
    }
  }

  /**
   * Hands a listener connection back exactly once, and destroys it rather than pooling it: its
   * error handler stays attached, and an error after release (the server ended the session, e.g.
   * when a test database is dropped) must not release it a second time.
   */
  private release(client: PoolClient): void {
    if (this.released.has(client)) return;
    this.released.add(client);
    client.removeAllListeners('notification');
    client.release(true);
  }


  private wakeLocal(): void {
    this.wakeups++;
    for (const wake of [...this.localWaiters]) wake();
  }

  private listening?: Promise<void>;

  private ensureListening(): Promise<void> {
    this.listening ??= (async () => {
      if (this.closed) return;
      const client = await this.pool.connect();
      client.on('notification', () => this.wakeLocal());
      // A broken listener connection must not go unnoticed: drop it and listen again on next wait.
      client.on('error', () => {
        if (this.listener === client) this.listener = undefined;
        this.listening = undefined;
        this.release(client);
      });
      try {
        await client.query(`LISTEN ${APPEND_CHANNEL}`);
      } catch (error) {
        this.listening = undefined;
        this.release(client);
        throw error;
      }
      if (this.closed) {
        this.release(client);
        return;
      }
      this.listener = client;
    })();
    return this.listening;
  }
}
