import type { Pool } from 'pg';
import { inTransaction } from '@bistand/database/transaction';
import type { EventStore, RecordedEvent } from '@bistand/event-store/event-store.port';
import { formatPosition } from '@bistand/event-store/positions';
import type { Projection } from '../projection';
import { applyInSavepoint, describeError, park } from './parking';

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

interface ParkedRow {
  projection: string;
  position: string;
  stream_id: string;
  type: string;
  error: string;
  parked_at: Date;
}

/**
 * The events the projections set aside (PRODUCT.md §9): listed, counted, and applied again once
 * their cause is fixed. A retry reads each event afresh from the event store (so a corrected
 * event, a restart or a rebuild in between change nothing) and applies each stream's parked
 * events in order: what applies is un-parked, the first that fails again keeps its place with the
 * new error, and the stream's later events stay parked behind it.
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

  /**
   * Holds the projection's checkpoint row lock (as the live projector's batches do) for the whole
   * retry: no batch of this projection runs meanwhile, so a stream's new events wait until its
   * parked ones are applied or parked again, and then find the stream's parked state as the retry
   * left it.
   */
  private retryProjection(projection: Projection): Promise<AppliedEventView[]> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT position FROM rm_checkpoints WHERE projection = $1 FOR UPDATE', [projection.name]);
      const { rows } = await client.query<ParkedRow>('SELECT * FROM rm_parked_events WHERE projection = $1 ORDER BY position', [projection.name]);
      const byStream = new Map<string, ParkedRow[]>();
      for (const row of rows) byStream.set(row.stream_id, [...(byStream.get(row.stream_id) ?? []), row]);
      const applied: AppliedEventView[] = [];
      for (const [streamId, parked] of byStream) {
        const stored = new Map((await this.store.readStream(streamId)).map((event) => [event.position.toString(), event]));
        for (const row of parked) {
          const event = stored.get(row.position);
          const failure = event ? await applyInSavepoint(client, projection, event) : new Error(`event ${row.position} is no longer in the event store`);
          if (failure !== undefined) {
            if (event) await park(client, projection.name, [{ event, error: describeError(failure) }]);
            else await client.query('UPDATE rm_parked_events SET error = $3 WHERE projection = $1 AND position = $2', [projection.name, row.position, describeError(failure)]);
            break; // the stream's later events stay parked behind it
          }
          await client.query('DELETE FROM rm_parked_events WHERE projection = $1 AND position = $2', [projection.name, row.position]);
          applied.push(appliedView(projection.name, event!));
        }
      }
      return applied;
    });
  }
}

function toView(row: ParkedRow): ParkedEventView {
  return { position: row.position, streamId: row.stream_id, type: row.type, projection: row.projection, error: row.error, parkedAt: row.parked_at.toISOString() };
}

function appliedView(projection: string, event: RecordedEvent): AppliedEventView {
  return { position: formatPosition(event.position), streamId: event.streamId, type: event.type, projection };
}
