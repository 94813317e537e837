import { Pool, type PoolConfig } from 'pg';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store.port';
import { EventIdConflictError, InvalidAppendError, WrongExpectedRevisionError } from '../event-store.errors';
import { AppendNotifier, type ListenerStatus } from './append-notifier';
import { isConnectionError } from './connection-errors';
import { reconnectDelayMs } from './reconnect-delay';
import { APPEND_STATEMENT, expectedRevisionParameters, type AppendRow } from './append-statement';
import { migrate } from './migrator';
import { eventStoreSchema } from './migrations/0001-event-store';
import { realignPositionOffset } from './position-offset';

const MAX_EVENTS_PER_APPEND = (1 << 20) - 1;
/** With `any`/`stream_exists` a lost race for the next revision is retried, not reported. */
const MAX_ATTEMPTS_WITHOUT_EXPECTATION = 5;
/** How long a caught-up subscriber sleeps when no NOTIFY arrives: a safety net, not the wake-up path. */
const LIVE_SAFETY_INTERVAL_MS = 1_000;
/** How soon to look again when newer events exist but an older transaction is still in flight. */
const HELD_BACK_RETRY_MS = 5;

interface EventRow {
  position: string;
  stream_id: string;
  revision: string;
  event_id: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recorded_at: Date;
}

const EVENT_COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Shown in pg_stat_activity, so /health/ready can tell the product's transactions from others' (default `bistand`). */
  applicationName?: string;
}

/**
 * The default event store: one table of events in PostgreSQL, appended by one stored function
 * per append (one round trip, atomic), read in position order with transaction-id visibility.
 */
export class PostgresEventStore implements EventStore {
  private readonly notifier: AppendNotifier;

  private constructor(private readonly pool: Pool) {
    this.notifier = new AppendNotifier(pool);
  }

  /** Connects, applies the store's migrations and returns a ready store. */
  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const config: PoolConfig = { connectionString: options.connectionString, max: options.poolSize ?? 10, application_name: options.applicationName ?? 'bistand' };
    const pool = new Pool(config);
    pool.on('error', () => undefined); // idle-client errors are surfaced by the next query instead
    try {
      await migrate(pool, 'es_schema_migrations', [eventStoreSchema]);
      await realignPositionOffset(pool);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresEventStore(pool);
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    { expectedRevision }: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError('An append needs at least one event');
    if (events.length > MAX_EVENTS_PER_APPEND) throw new InvalidAppendError(`An append holds at most ${MAX_EVENTS_PER_APPEND} events`);
    const values = [
      streamId,
      ...expectedRevisionParameters(expectedRevision),
      events.map((event) => event.eventId),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
    ];
    for (let attempt = 1; ; attempt++) {
      let row: AppendRow;
      try {
        ({
          rows: [row],
        } = await this.pool.query<AppendRow>({ ...APPEND_STATEMENT, values }));
      } catch (error) {
        const violated = uniqueViolation(error);
        if (violated === undefined) throw translateAppendError(error, streamId);
        // Either these events were appended before (idempotent retry) or another writer took the revision.
        const earlier = await this.findEarlierAppend(streamId, events);
        if (earlier) return earlier;
        if (violated === 'es_events_event_id_key') throw new EventIdConflictError(streamId);
        if ((expectedRevision === 'any' || expectedRevision === 'stream_exists') && attempt < MAX_ATTEMPTS_WITHOUT_EXPECTATION) continue;
        throw new WrongExpectedRevisionError(streamId, expectedRevision, await this.currentRevision(streamId));
      }
      if (row.position === null || row.revision === null) {
        const earlier = await this.findEarlierAppend(streamId, events);
        if (earlier) return earlier;
        throw new WrongExpectedRevisionError(streamId, expectedRevision, Number(row.current_revision));
      }
      this.notifier.appended();
      return { streamId, revision: Number(row.revision), position: BigInt(row.position), appended: true };
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? Number.MAX_SAFE_INTEGER : 0);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es_events
        WHERE stream_id = $1 AND revision ${backwards ? '<=' : '>='} $2
        ORDER BY revision ${backwards ? 'DESC' : 'ASC'} LIMIT $3`,
      [streamId, from, options.maxCount ?? null],
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { events } = await this.readVisible(options.after ?? 0n, options.maxCount ?? 1_000);
    return events;
  }

  async *subscribeToAll(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    const batchSize = options.batchSize ?? 1_000;
    const signal = options.signal;
    let after = options.after ?? 0n;
    let failedReads = 0;
    while (!signal?.aborted) {
      const mark = this.notifier.mark;
      let visible: { events: RecordedEvent[]; heldBack: boolean };
      try {
        visible = await this.readVisible(after, batchSize);
        failedReads = 0;
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        // The server is restarting, terminated us or has no connection to spare: the subscription
        // stays, and reads again after a short backoff, as it would after a missed notification.
        failedReads++;
        await this.notifier.waitForAppend(Math.min(LIVE_SAFETY_INTERVAL_MS, reconnectDelayMs(failedReads)), signal, mark);
        continue;
      }
      const { events, heldBack } = visible;
      for (const event of events) {
        if (signal?.aborted) return;
        yield event;
        after = event.position;
      }
      if (events.length === batchSize) continue;
      await this.notifier.waitForAppend(heldBack ? HELD_BACK_RETRY_MS : LIVE_SAFETY_INTERVAL_MS, signal, mark);
    }
  }

  /** How the connection that LISTENs for other processes' appends is doing. */
  get listenerStatus(): ListenerStatus {
    return this.notifier.status;
  }

  async headPosition(): Promise<Position> {
    const { rows } = await this.pool.query<{ head: string | null }>(
      'SELECT max(position) AS head FROM es_events',
    );
    return BigInt(rows[0].head ?? 0);
  }

  async close(): Promise<void> {
    await this.notifier.close();
    await this.pool.end();
  }

  /** The first result of an earlier append of exactly these event ids to this stream, if there was one. */
  private async findEarlierAppend(streamId: string, events: readonly EventToAppend[]): Promise<AppendResult | undefined> {
    const { rows } = await this.pool.query<{ stream_id: string; revision: string; position: string }>(
      'SELECT stream_id, revision, position FROM es_events WHERE event_id = ANY ($1::uuid[]) ORDER BY position',
      [events.map((event) => event.eventId)],
    );
    if (rows.length === 0) return undefined;
    if (rows.length !== events.length || rows.some((row) => row.stream_id !== streamId)) throw new EventIdConflictError(streamId);
    const last = rows[rows.length - 1];
    return { streamId, revision: Number(last.revision), position: BigInt(last.position), appended: false };
  }

  private async currentRevision(streamId: string): Promise<number> {
    const { rows } = await this.pool.query<{ revision: string | null }>('SELECT max(revision) AS revision FROM es_events WHERE stream_id = $1', [streamId]);
    return rows[0].revision === null ? -1 : Number(rows[0].revision);
  }

  /**
   * Events after `after` that finished transactions wrote, and whether newer ones exist that an
   * unfinished transaction still holds back (then the caller should look again soon).
   */
  private async readVisible(after: Position, limit: number): Promise<{ events: RecordedEvent[]; heldBack: boolean }> {
    // The bound is applied after the LIMIT: the planner cannot know its value, and with it inside
    // it guessed a few thousand rows and, for larger limits, sorted every later event per read.
    // Filtering the first `limit` events by the bound gives the same rows: they are in order.
    const { rows } = await this.pool.query<EventRow & { bound: string }>(
      `WITH b AS (SELECT es_visible_bound() AS bound)
       SELECT e.*, b.bound FROM b
         LEFT JOIN LATERAL (
           SELECT * FROM (SELECT ${EVENT_COLUMNS} FROM es_events WHERE position > $1 ORDER BY position LIMIT $2) n
            WHERE n.position < b.bound
         ) e ON true`,
      [after.toString(), limit],
    );
    const events = rows.filter((row) => row.position !== null).map(toRecordedEvent);
    if (events.length === limit) return { events, heldBack: false };
    const bound = rows[0]?.bound ?? '0';
    const newer = await this.pool.query('SELECT 1 FROM es_events WHERE position >= $1 LIMIT 1', [bound]);
    return { events, heldBack: (newer.rowCount ?? 0) > 0 };
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    streamId: row.stream_id,
    eventId: row.event_id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    revision: Number(row.revision),
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
  };
}

function uniqueViolation(error: unknown): string | undefined {
  const pgError = error as { code?: string; constraint?: string };
  return pgError?.code === '23505' ? (pgError.constraint ?? '') : undefined;
}

function translateAppendError(error: unknown, streamId: string): unknown {
  const pgError = error as Error & { code?: string };
  if (pgError?.code === '22P02') return new InvalidAppendError(`Invalid append to ${streamId}: ${pgError.message}`);
  return error;
}
