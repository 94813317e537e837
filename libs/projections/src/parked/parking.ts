import type { PoolClient } from 'pg';
import { redactIdentityNumbers } from '@bistand/http/identity-number-guard';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import type { Projection } from '../projection';
import { isTransientError } from './transient-error';

/** A row of `rm_parked_events`: one event set aside for one projection, with why. */
export interface ParkedRow {
  projection: string;
  position: string;
  stream_id: string;
  type: string;
  error: string;
  parked_at: Date;
}

/** Stream id → position of its first parked event, for the streams parked for one projection. */
export type ParkedStreams = Map<string, bigint>;

/**
 * The streams among `streamIds` that are parked for `projection`. Read after the projection's
 * checkpoint row is locked, in a statement of its own, so it sees what a retry committed while the
 * caller waited for the lock.
 */
export async function parkedStreams(client: PoolClient, projection: string, streamIds: readonly string[]): Promise<ParkedStreams> {
  const { rows } = await client.query<{ stream_id: string; position: string }>(
    'SELECT stream_id, min(position) AS position FROM rm_parked_events WHERE projection = $1 AND stream_id = ANY ($2::text[]) GROUP BY stream_id',
    [projection, [...new Set(streamIds)]],
  );
  return new Map(rows.map((row) => [row.stream_id, BigInt(row.position)]));
}

/** Sets events aside for a projection, each with why. */
export async function park(client: PoolClient, projection: string, parked: readonly { event: RecordedEvent; error: string }[]): Promise<void> {
  if (parked.length === 0) return;
  await client.query(
    `INSERT INTO rm_parked_events (projection, position, stream_id, type, error)
     SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[])
     ON CONFLICT (projection, position) DO UPDATE SET error = EXCLUDED.error`,
    [projection, parked.map((p) => p.event.position.toString()), parked.map((p) => p.event.streamId), parked.map((p) => p.event.type), parked.map((p) => p.error)],
  );
}

/** Why an event waits: an earlier event of its stream is parked, and a stream is applied in order or not at all. */
export function heldBehind(position: bigint): string {
  return `held back: an earlier event of this stream (position ${position}) is parked`;
}

/**
 * The error text stored with a parked event. A database error may quote a value of the event
 * (`invalid input syntax for type uuid: "…"`), and a malformed event may hold anything: identity
 * numbers are removed before the text is stored and shown (PRODUCT.md §1).
 */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return redactIdentityNumbers(text.slice(0, 2_000));
}

/**
 * Applies events of parked streams nowhere (they are parked too, behind the first) and the rest as
 * one batch. Throws what the batch throws: the caller decides between a retry and `applyOrPark`.
 */
export async function applySkippingParked(client: PoolClient, projection: Projection, events: RecordedEvent[], parked: ParkedStreams): Promise<void> {
  const held = events.filter((event) => parked.has(event.streamId));
  await park(client, projection.name, held.map((event) => ({ event, error: heldBehind(parked.get(event.streamId)!) })));
  const live = held.length === 0 ? events : events.filter((event) => !parked.has(event.streamId));
  if (live.length > 0) await projection.apply(client, live);
}

/**
 * The careful path, taken after a batch failed for a reason retrying would not cure: applies the
 * events one by one, each inside a savepoint, and parks the one that fails with its error, and
 * every later event of its stream behind it. A transient failure is thrown, never parked: the
 * whole transaction is retried. Returns the events it parked.
 */
export async function applyOrPark(client: PoolClient, projection: Projection, events: RecordedEvent[], parked: ParkedStreams): Promise<RecordedEvent[]> {
  const setAside: RecordedEvent[] = [];
  for (const event of events) {
    const behind = parked.get(event.streamId);
    if (behind !== undefined) {
      await park(client, projection.name, [{ event, error: heldBehind(behind) }]);
      setAside.push(event);
      continue;
    }
    const failure = await applyInSavepoint(client, projection, event);
    if (failure === undefined) continue;
    await park(client, projection.name, [{ event, error: describeError(failure) }]);
    parked.set(event.streamId, event.position);
    setAside.push(event);
  }
  return setAside;
}

/** Applies one event inside a savepoint: undefined when it applied, else the (lasting) error, with its effects rolled back. */
export async function applyInSavepoint(client: PoolClient, projection: Projection, event: RecordedEvent): Promise<unknown> {
  await client.query('SAVEPOINT apply_event');
  try {
    await projection.apply(client, [event]);
    await client.query('RELEASE SAVEPOINT apply_event');
    return undefined;
  } catch (error) {
    if (isTransientError(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT apply_event');
    return error;
  }
}
