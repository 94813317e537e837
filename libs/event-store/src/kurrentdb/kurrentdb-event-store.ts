import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
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

type KurrentRecordedEvent = NonNullable<ResolvedEvent['event']>;

/**
 * The production event store adapter, on KurrentDB (EventStoreDB) with `@kurrent/kurrentdb-client`.
 *
 * Positions are KurrentDB commit positions: $all is one ordered log, so they increase in the
 * order every reader sees events, and a checkpoint is that single number (resumed as
 * `{ commit, prepare: commit }`). KurrentDB already dedupes an append whose event ids match the
 * previous append at the same expected revision; this adapter extends that to "the same event ids
 * anywhere in the stream" to keep the port's idempotency contract.
 */
export class KurrentDbEventStore implements EventStore {
  constructor(private readonly client: KurrentDBClient) {}

  static connect(connectionString: string): KurrentDbEventStore {
    return new KurrentDbEventStore(KurrentDBClient.connectionString(connectionString));
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    { expectedRevision }: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError('An append needs at least one event');
    const earlier = await this.findEarlierAppend(streamId, events);
    if (earlier) return earlier;
    try {
      const result = await this.client.appendToStream(
        streamId,
        events.map((event) => jsonEvent({ id: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata: event.metadata })),
        { streamState: toStreamState(expectedRevision) },
      );
      const [last] = await this.readStream(streamId, { direction: 'backwards', fromRevision: Number(result.nextExpectedRevision), maxCount: 1 });
      return { streamId, revision: Number(result.nextExpectedRevision), position: last?.position ?? result.position?.commit ?? 0n, appended: true };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        // A racing retry of the same append may have won: that is the first result, not a conflict.
        const raced = await this.findEarlierAppend(streamId, events);
        if (raced) return raced;
        const actual = error.actualState === 'no_stream' ? -1 : Number(error.actualState);
        throw new WrongExpectedRevisionError(streamId, expectedRevision, actual);
      }
      throw error;
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision === undefined ? (backwards ? END : START) : BigInt(options.fromRevision),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      })) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = options.maxCount ?? 1_000;
    const events: RecordedEvent[] = [];
    // fromPosition is inclusive in KurrentDB; ask for one more and drop the event at `after`.
    for await (const resolved of this.client.readAll({
      fromPosition: options.after ? { commit: options.after, prepare: options.after } : START,
      maxCount: maxCount + 1,
      filter: excludeSystemEvents(),
    })) {
      const event = userEvent(resolved);
      if (!event || (options.after !== undefined && event.position <= options.after)) continue;
      events.push(event);
      if (events.length === maxCount) break;
    }
    return events;
  }

  async *subscribeToAll(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent> {
    const after = options.after ?? 0n;
    const subscription = this.client.subscribeToAll({
      fromPosition: after > 0n ? { commit: after, prepare: after } : START,
      filter: excludeSystemEvents(),
    });
    const stop = () => void subscription.unsubscribe();
    options.signal?.addEventListener('abort', stop, { once: true });
    try {
      if (options.signal?.aborted) return;
      for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
        if (options.signal?.aborted) return;
        const event = userEvent(resolved);
        if (event && event.position > after) yield event;
      }
    } finally {
      options.signal?.removeEventListener('abort', stop);
      await subscription.unsubscribe().catch(() => undefined);
    }
  }

  async headPosition(): Promise<Position> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter: excludeSystemEvents() })) {
      const event = userEvent(resolved);
      if (event) return event.position;
    }
    return 0n;
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** The first result of an earlier append of exactly these event ids to this stream, if there was one. */
  private async findEarlierAppend(streamId: string, events: readonly EventToAppend[]): Promise<AppendResult | undefined> {
    const ids = new Set(events.map((event) => event.eventId));
    const stored = (await this.readStream(streamId)).filter((event) => ids.has(event.eventId));
    if (stored.length === 0) return undefined;
    if (stored.length !== ids.size) throw new EventIdConflictError(streamId);
    const last = stored[stored.length - 1];
    return { streamId, revision: last.revision, position: last.position, appended: false };
  }
}

function toStreamState(expected: ExpectedRevision): AppendStreamState {
  return typeof expected === 'number' ? BigInt(expected) : expected;
}

function userEvent(resolved: AllStreamResolvedEvent): RecordedEvent | undefined {
  const event = resolved.event;
  if (!event || event.type.startsWith('$') || event.streamId.startsWith('$')) return undefined;
  return toRecordedEvent(event);
}

function toRecordedEvent(event: KurrentRecordedEvent): RecordedEvent {
  return {
    streamId: event.streamId,
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: isRecord(event.metadata) ? event.metadata : {},
    revision: Number(event.revision),
    position: event.position?.commit ?? 0n,
    recordedAt: event.created,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
