import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@bistand/database/transaction';
import type { EventStore, Position, RecordedEvent } from '@bistand/event-store/event-store.port';
import type { Projection } from './projection';
import { applyOrPark, applySkippingParked, describeError, parkedStreams } from './parked/parking';
import { isTransientError } from './parked/transient-error';

export const BATCH_SIZE = 500;

/** Backoff between attempts after a failure: from 100 ms, doubling, up to 10 s. */
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

/** The read models' checkpoint went back (a rebuild swapped in fresh tables): start again from it. */
class CheckpointMovedBack extends Error {}

/** Ensures every projection has a checkpoint row and returns the lowest: where following must resume. */
export async function loadCheckpoint(pool: Pool, projections: readonly Projection[]): Promise<Position> {
  await pool.query('INSERT INTO rm_checkpoints (projection, position) SELECT unnest($1::text[]), 0 ON CONFLICT DO NOTHING', [projections.map((p) => p.name)]);
  const { rows } = await pool.query<{ position: string | null }>('SELECT min(position) AS position FROM rm_checkpoints WHERE projection = ANY ($1::text[])', [
    projections.map((p) => p.name),
  ]);
  return BigInt(rows[0].position ?? 0);
}

/**
 * Applies a batch to every projection, each in one transaction with its checkpoint: events at or
 * below the stored checkpoint are skipped, so a batch applied twice takes effect once. Throws when
 * a checkpoint lies below `committed` (what the caller believed was applied).
 *
 * Events of streams parked for a projection are parked behind them (PRODUCT.md §9). When the batch
 * fails for a lasting reason (a bug, a malformed event), the transaction is rolled back and the
 * batch applied again event by event, parking the one that fails and the rest of its stream, so
 * the checkpoint moves on for every other stream. The happy path pays one small query for that.
 * Transient failures are thrown: the caller retries the batch with backoff.
 */
export async function applyBatch(pool: Pool, projections: readonly Projection[], events: RecordedEvent[], committed = 0n): Promise<void> {
  // Projections are independent (own tables, own checkpoint): their transactions run side by side.
  await Promise.all(
    projections.map(async (projection) => {
      try {
        await inTransaction(pool, (client) => applyToProjection(client, projection, events, committed, 'batch'));
      } catch (error) {
        if (error instanceof CheckpointMovedBack || isTransientError(error)) throw error;
        await inTransaction(pool, (client) => applyToProjection(client, projection, events, committed, 'event by event'));
      }
    }),
  );
}

async function applyToProjection(client: PoolClient, projection: Projection, events: RecordedEvent[], committed: bigint, mode: 'batch' | 'event by event'): Promise<void> {
  // The checkpoint row's lock serialises this with other projectors and with retries of parked events.
  const { rows } = await client.query<{ position: string }>('SELECT position FROM rm_checkpoints WHERE projection = $1 FOR UPDATE', [projection.name]);
  const checkpoint = BigInt(rows[0]?.position ?? 0);
  if (checkpoint < committed) throw new CheckpointMovedBack(`${projection.name} is at ${checkpoint}, below ${committed}`);
  const fresh = events.filter((event) => event.position > checkpoint && projection.handles.includes(event.type));
  if (fresh.length > 0) {
    const parked = await parkedStreams(client, projection.name, fresh.map((event) => event.streamId));
    if (mode === 'batch') await applySkippingParked(client, projection, fresh, parked);
    else await applyOrPark(client, projection, fresh, parked);
  }
  const last = events[events.length - 1].position;
  if (last > checkpoint) await client.query('UPDATE rm_checkpoints SET position = $2, updated_at = now() WHERE projection = $1', [projection.name, last.toString()]);
}

/**
 * Follows the event store from the projections' checkpoints and applies events in batches. Each
 * projection commits its rows and its checkpoint in one transaction and skips what it already
 * applied, so a crash at any moment neither loses nor repeats an effect.
 */
/** How often the projector compares its position with the checkpoint the tables hold. */
const STORED_CHECKPOINT_LOOK_MS = 1_000;

export class Projector {
  private position: Position = 0n;
  private readonly waiters = new Set<{ position: Position; resolve: () => void }>();
  private controller?: AbortController;
  /** The current subscription's own abort: ended to follow on from the stored checkpoint (after a rebuild's swap). */
  private round?: AbortController;
  private watch?: NodeJS.Timeout;
  private running?: Promise<void>;
  private failure?: unknown;
  /** How long to wait after the next failure: doubles per failure in a row, back to the start after a batch goes through. */
  private backoff = FIRST_BACKOFF_MS;

  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly projections: readonly Projection[],
    private readonly log: (message: string) => void = () => undefined,
  ) {}

  /** Position up to which every projection has committed. */
  get checkpoint(): Position {
    return this.position;
  }

  async start(): Promise<void> {
    this.position = await loadCheckpoint(this.pool, this.projections);
    this.controller = new AbortController();
    this.running = this.follow(this.controller.signal);
    // A rebuild swaps in tables whose checkpoint lies below what this projector applied to the old
    // ones; without a new event nothing would tell it. So it looks once a second.
    this.watch = setInterval(() => void this.followStoredCheckpoint().catch(() => undefined), STORED_CHECKPOINT_LOOK_MS);
    this.watch.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.watch);
    this.controller?.abort();
    await this.running?.catch(() => undefined);
  }

  /** Resolves once every projection has committed `position`; false after `timeoutMs`. */
  async waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    // The tables themselves must hold it: after a rebuild's swap they may lie behind what this
    // projector applied before (one small query; X-Min-Position reads and offers rely on it).
    if (this.position >= position && (await this.followStoredCheckpoint()) >= position) return true;
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits until the projections include everything committed before this call. */
  async catchUp(timeoutMs: number): Promise<boolean> {
    return this.waitFor(await this.store.headPosition(), timeoutMs);
  }

  /**
   * How far the read models trail the event store: the checkpoint and head positions, how many
   * events are not applied yet (counted up to 10,000), and how long the oldest of them has waited.
   */
  async lag(): Promise<{ checkpoint: Position; head: Position; events: number; seconds: number }> {
    const checkpoint = this.position;
    const [head, pending] = await Promise.all([this.store.headPosition(), this.store.readAll({ after: checkpoint, maxCount: 10_000 })]);
    const oldest = pending[0];
    const seconds = oldest ? Math.max(0, (Date.now() - oldest.recordedAt.getTime()) / 1000) : 0;
    return { checkpoint, head, events: pending.length, seconds };
  }

  /**
   * The checkpoint the read-model tables hold. When it lies below what this projector applied, the
   * tables were swapped by a rebuild: the subscription is ended and following resumes from it.
   */
  private async followStoredCheckpoint(): Promise<Position> {
    const stored = await loadCheckpoint(this.pool, this.projections);
    if (stored < this.position) {
      this.log(`read models were rebuilt (checkpoint ${stored} below ${this.position}); following from their checkpoint`);
      this.round?.abort();
    }
    return stored;
  }

  get lastFailure(): unknown {
    return this.failure;
  }

  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const round = new AbortController();
      this.round = round;
      try {
        let batch: RecordedEvent[] = [];
        const iterator = this.store.subscribeToAll({ after: this.position, signal: AbortSignal.any([signal, round.signal]), batchSize: BATCH_SIZE })[Symbol.asyncIterator]();
        let pending = iterator.next();
        for (;;) {
          const next = await pending;
          if (next.done) break;
          batch.push(next.value);
          pending = iterator.next();
          // Take what is already there, up to a batch; apply as soon as the stream pauses.
          const more = await Promise.race([pending.then(() => true), new Promise<false>((resolve) => setImmediate(() => resolve(false)))]);
          if (!more || batch.length >= BATCH_SIZE) {
            await this.apply(batch);
            batch = [];
          }
        }
        if (batch.length > 0 && !round.signal.aborted) await this.apply(batch);
        if (round.signal.aborted && !signal.aborted) this.position = await loadCheckpoint(this.pool, this.projections).catch(() => this.position);
      } catch (error) {
        if (signal.aborted) return;
        if (round.signal.aborted || error instanceof CheckpointMovedBack) {
          this.log(`read models were rebuilt (${error instanceof Error ? error.message : String(error)}); following from their checkpoint`);
        } else {
          // Lasting failures of an event are parked inside applyBatch; what reaches here is the
          // database being away (or a failure outside any event): wait, then try again.
          this.failure = error;
          const kind = isTransientError(error) ? 'transient failure' : 'failure';
          this.log(`projector ${kind}, retrying in ${this.backoff} ms: ${describeError(error)}`);
          await sleep(this.backoff, signal);
          this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
        }
        this.position = await loadCheckpoint(this.pool, this.projections).catch(() => this.position);
      }
    }
  }

  private async apply(events: RecordedEvent[]): Promise<void> {
    await applyBatch(this.pool, this.projections, events, this.position);
    this.position = events[events.length - 1].position;
    this.failure = undefined;
    this.backoff = FIRST_BACKOFF_MS;
    for (const waiter of [...this.waiters]) if (waiter.position <= this.position) waiter.resolve();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
