import { Client, type Pool } from 'pg';
import { reconnectDelayMs } from './reconnect-delay';

export const APPEND_CHANNEL = 'es_appended';

/**
 * At most one NOTIFY per this many ms: every NOTIFY commits through PostgreSQL's notification
 * queue lock, and one per append cost a third of the append rate with 16 writers (npm run bench).
 */
const NOTIFY_COALESCE_MS = 10;
/** A listener connection that does not come up in this time counts as failed and is tried again. */
const CONNECT_TIMEOUT_MS = 10_000;

/** How the LISTEN connection is doing, for health output and tests. */
export interface ListenerStatus {
  listening: boolean;
  /** Failed attempts to (re)connect since the listener last worked. */
  failedAttempts: number;
  /** Times the listener was lost after it had worked. */
  lost: number;
  lastError?: string;
}

/**
 * Wakes live subscribers when events were appended: at once in this process, and through
 * LISTEN/NOTIFY in others. The NOTIFY is sent after the append committed, outside its
 * transaction, coalesced over NOTIFY_COALESCE_MS. It is only a hint; a subscriber that misses
 * one (e.g. the writer crashed right after its commit, or the listener is down) re-reads on its
 * safety interval.
 *
 * The LISTEN runs on a connection of its own, outside the pool: it stays open for good, so it
 * must not take one of the pool's places, and its failures (too many clients, the server
 * restarting, the session terminated) must be its own. When it fails it is opened again with
 * backoff, in the background: waiting subscribers never see the error, they just wake on their
 * safety interval until it is back, and once it is back they are woken once to read what they
 * may have missed meanwhile.
 */
export class AppendNotifier {
  private readonly localWaiters = new Set<() => void>();
  private scheduled?: NodeJS.Timeout;
  /** Counts wake-ups, so a reader can tell whether one came while it was reading (no lost wake-up). */
  private wakeups = 0;
  private closed = false;
  /** Set once a subscriber asked to be woken: from then on the notifier keeps a listener open. */
  private wanted = false;
  private listener?: Client;
  private connecting?: { client: Client; done: Promise<void> };
  private retry?: NodeJS.Timeout;
  private readonly state: ListenerStatus = { listening: false, failedAttempts: 0, lost: 0 };

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

  get status(): ListenerStatus {
    return { ...this.state };
  }

  /**
   * Resolves on the next append notification after `mark`, after `timeoutMs`, or when aborted.
   * Never rejects: without a listener it is just the timeout.
   */
  async waitForAppend(timeoutMs: number, signal?: AbortSignal, mark = this.wakeups): Promise<void> {
    this.wanted = true;
    // Not awaited: a listener that cannot connect must not hold up or fail the subscriber. One that
    // comes up wakes every waiter, so nothing appended before it started listening waits long.
    this.listen();
    if (this.wakeups !== mark || signal?.aborted || this.closed) return;
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
    clearTimeout(this.retry);
    this.wakeLocal();
    const pending = this.connecting;
    if (pending) {
      pending.client.end().catch(() => undefined);
      await pending.done;
    }
    const listener = this.listener;
    this.listener = undefined;
    this.state.listening = false;
    if (listener) await listener.end().catch(() => undefined);
  }

  private wakeLocal(): void {
    this.wakeups++;
    for (const wake of [...this.localWaiters]) wake();
  }

  /** Opens the listener unless it is open, opening, waiting out a backoff, or not wanted. */
  private listen(): void {
    if (this.closed || !this.wanted || this.listener || this.connecting || this.retry) return;
    const client = new Client({ ...this.pool.options, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true });
    // Attached before connecting and never removed: an error after the end must not go unhandled.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the listener connection ended')));
    client.on('notification', () => this.wakeLocal());
    const done = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${APPEND_CHANNEL}`);
      } catch (error) {
        this.connecting = undefined;
        client.end().catch(() => undefined);
        this.failed(error);
        return;
      }
      this.connecting = undefined;
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.listener = client;
      Object.assign(this.state, { listening: true, failedAttempts: 0 });
      // Appends made while no one listened would otherwise wait for the safety interval.
      this.wakeLocal();
    })();
    this.connecting = { client, done };
  }

  /** The open listener broke (terminated, server restart, network): open a new one. */
  private lost(client: Client, error: unknown): void {
    if (this.listener !== client) return; // a connection still opening reports through its own catch
    this.listener = undefined;
    this.state.listening = false;
    this.state.lost++;
    this.state.lastError = describe(error);
    client.end().catch(() => undefined);
    // Not at once: a session that is ended as soon as it starts must not make this a busy loop.
    this.scheduleRetry(reconnectDelayMs(1));
  }

  private failed(error: unknown): void {
    this.state.failedAttempts++;
    this.state.lastError = describe(error);
    this.scheduleRetry(reconnectDelayMs(this.state.failedAttempts));
  }

  private scheduleRetry(delayMs: number): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      this.listen();
    }, delayMs);
    // A process that is otherwise done must not stay alive for the listener's sake.
    this.retry.unref();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
