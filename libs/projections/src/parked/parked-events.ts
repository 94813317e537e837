import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '@bistand/database/transaction';
import type { EventStore, RecordedEvent } from '@bistand/event-store/event-store.port';
import { formatPosition } from '@bistand/event-store/positions';
import type { Projection } from '../projection';
import { applyInSavepoint, describeError, park, type ParkedRow } from './parking';

/** One parked event as `GET /v1/admin/parked-events` shows it (PRODUCT.md §9). */
export interface ParkedEventView {
  position: string;
  streamId: string;
  type: string;
  projection: string;
  error: string;
  parkedAt: string;
}

/** A parked event that applied on retry. */
export type AppliedEventView = Pick<ParkedEventView, 'position' | 'streamId' | 'type' | 'projection'>;

export interface RetryOutcome {
  applied: AppliedEventView[];
  /** Everything still parked afterwards, in every projection. */
  parked: ParkedEventView[];
}

/**
 * Bounds of one retry transaction. Each holds the projection's checkpoint lock and a transaction
 * id (which holds back every reader of the event store) while it runs, so it stays well under a
 * second even on a loaded machine; a stream with more parked events takes several.
 */
export const MAX_EVENTS_PER_TRANSACTION = 100;
const MAX_TRANSACTION_MS = 100;


/**
 * The events the projections set aside (PRODUCT.md §9): listed, counted, and applied again once
 * their cause is fixed. A retry reads each event afresh from the event store (so a corrected
 * event, a restart or a rebuild in between change nothing) and applies each stream's parked
 * events in order: what applies is un-parked, the first that fails again keeps its place with the
 * new error, and the stream's later events stay parked behind it. It works in short transactions,
 * one stream and a bounded chunk at a time (see retryStream).
 */
export class ParkedEvents {
  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly projections: readonly Projection[],
  ) {}

  async list(): Promise<ParkedEventView[]> {
    const { rows } = await this.pool.query<ParkedRow>('SELECT * FROM rm_parked_events ORDER BY position, projection');
    return rows.map(toView);
  }

  /** Parked events per projection (only projections with any). */
  async counts(): Promise<Record<string, number>> {
    const { rows } = await this.pool.query<{ projection: string; count: string }>('SELECT projection, count(*) AS count FROM rm_parked_events GROUP BY projection ORDER BY projection');
    return Object.fromEntries(rows.map((row) => [row.projection, Number(row.count)]));
  }

  async retry(): Promise<RetryOutcome> {
    const applied: AppliedEventView[] = [];
    for (const projection of this.projections) applied.push(...(await this.retryProjection(projection)));
    return { applied, parked: await this.list() };
  }

  /** The projection's parked streams, in the order of their first parked event, one after the other. */
  private async retryProjection(projection: Projection): Promise<AppliedEventView[]> {
    const { rows } = await this.pool.query<{ stream_id: string }>('SELECT stream_id FROM rm_parked_events WHERE projection = $1 GROUP BY stream_id ORDER BY min(position)', [
      projection.name,
    ]);
    const applied: AppliedEventView[] = [];
    for (const { stream_id: streamId } of rows) applied.push(...(await this.retryStream(projection, streamId)));
    return applied;
  }

  /**
   * Applies one stream's parked events in order, in short transactions (issue 8, point 4): each
   * holds the projection's checkpoint row lock, as the live projector's batches do, and a
   * transaction id, which holds back every reader of the event store in the cluster until it ends.
   * One transaction spanning a projection's every parked event stalled all projections and every
   * read with `X-Min-Position` for as long as the retry ran.
   *
   * Under the lock, each transaction reads the stream's parked events afresh, so it sees what the
   * live projector parked behind them meanwhile and what another retry already applied. Until its
   * last parked event is applied the stream stays parked, so the projector keeps parking its new
   * events behind the old ones (and a later transaction of this retry applies them); once it is
   * un-parked, its next events apply live, after the old ones.
   */
  private async retryStream(projection: Projection, streamId: string): Promise<AppliedEventView[]> {
    // Read before the first transaction: the lock is not held while the whole stream is read.
    const stored = await StoredStream.read(this.store, streamId);
    const applied: AppliedEventView[] = [];
    for (;;) {
      const step = await inTransaction(this.pool, (client) => this.retryChunk(client, projection, streamId, stored));
      applied.push(...step.applied);
      if (step.finished) return applied;
    }
  }

  /** One short transaction: the stream's next parked events, up to the chunk's bounds. */
  private async retryChunk(client: PoolClient, projection: Projection, streamId: string, stored: StoredStream): Promise<{ applied: AppliedEventView[]; finished: boolean }> {
    const started = Date.now();
    await client.query('SELECT position FROM rm_checkpoints WHERE projection = $1 FOR UPDATE', [projection.name]);
    const { rows } = await client.query<ParkedRow>('SELECT * FROM rm_parked_events WHERE projection = $1 AND stream_id = $2 ORDER BY position LIMIT $3', [
      projection.name,
      streamId,
      MAX_EVENTS_PER_TRANSACTION,
    ]);
    const applied: AppliedEventView[] = [];
    for (const row of rows) {
      const event = await stored.event(row.position);
      const failure = event ? await applyInSavepoint(client, projection, event) : new Error(`event ${row.position} is no longer in the event store`);
      if (failure !== undefined) {
        if (event) await park(client, projection.name, [{ event, error: describeError(failure) }]);
        else await client.query('UPDATE rm_parked_events SET error = $3 WHERE projection = $1 AND position = $2', [projection.name, row.position, describeError(failure)]);
        return { applied, finished: true }; // the stream's later events stay parked behind it
      }
      await client.query('DELETE FROM rm_parked_events WHERE projection = $1 AND position = $2', [projection.name, row.position]);
      applied.push(appliedView(projection.name, event!));
      if (Date.now() - started >= MAX_TRANSACTION_MS) break;
    }
    // Under the lock nothing was parked behind meanwhile: when every row was read and applied, the
    // stream is un-parked. Otherwise the next transaction goes on, with anything parked behind
    // in between.
    return { applied, finished: applied.length === rows.length && rows.length < MAX_EVENTS_PER_TRANSACTION };
  }
}

/**
 * The events of one stream, read from the store once, and again only when a parked event is not
 * among them (the projector parked it behind after the first read).
 */
class StoredStream {
  private constructor(
    private readonly store: EventStore,
    private readonly streamId: string,
    private events: Map<string, RecordedEvent>,
  ) {}

  static async read(store: EventStore, streamId: string): Promise<StoredStream> {
    return new StoredStream(store, streamId, await StoredStream.byPosition(store, streamId));
  }

  async event(position: string): Promise<RecordedEvent | undefined> {
    if (!this.events.has(position)) this.events = await StoredStream.byPosition(this.store, this.streamId);
    return this.events.get(position);
  }

  private static async byPosition(store: EventStore, streamId: string): Promise<Map<string, RecordedEvent>> {
    return new Map((await store.readStream(streamId)).map((event) => [event.position.toString(), event]));
  }
}

function toView(row: ParkedRow): ParkedEventView {
  return { position: row.position, streamId: row.stream_id, type: row.type, projection: row.projection, error: row.error, parkedAt: row.parked_at.toISOString() };
}

function appliedView(projection: string, event: RecordedEvent): AppliedEventView {
  return { position: formatPosition(event.position), streamId: event.streamId, type: event.type, projection };
}
