/**
 * The event store port: the only way the rest of Bistand reads or writes events.
 * Two adapters implement it (PostgreSQL and KurrentDB) and one contract test suite
 * (`libs/event-store/test/event-store.contract.ts`) holds both to the same semantics.
 */

/** What the writer believes about the stream before appending. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

/** A global position: strictly increasing in the order readers see events. Rendered as a decimal string at the edges. */
export type Position = bigint;

export interface EventToAppend {
  /** A UUID. Appending the same ids to the same stream again is a no-op returning the first result. */
  eventId: string;
  /** The stored event type: an explicit string constant from an event catalogue, never a class name. */
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
}

export interface RecordedEvent {
  streamId: string;
  eventId: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  /** 0-based index of the event in its stream. */
  revision: number;
  position: Position;
  /** When the store committed the event (server clock). */
  recordedAt: Date;
}

export interface AppendResult {
  streamId: string;
  /** Revision of the last event of this append (the stream's revision after it). */
  revision: number;
  /** Position of the last event of this append. */
  position: Position;
  /** False when every event id had been appended before and nothing was written. */
  appended: boolean;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive; defaults to the start (forwards) or the end (backwards). */
  fromRevision?: number;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: read events whose position is greater than this. Defaults to the beginning. */
  after?: Position;
  maxCount?: number;
}

export interface SubscribeOptions {
  /** Exclusive start position: the subscriber's checkpoint. */
  after?: Position;
  /** Ends the iteration cleanly. */
  signal?: AbortSignal;
  /** Events fetched per round trip while catching up. */
  batchSize?: number;
}

export interface EventStore {
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;

  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** One batch of events of all streams in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * All events after a position, in position order, exactly once: first the ones already
   * stored (catch-up), then new ones as they commit (live). Never skips an event that
   * commits later with a lower position than one already delivered.
   */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<RecordedEvent>;

  /**
   * Position of the newest committed event (0 when the store is empty). A reader may get it a
   * moment later, while an older transaction is still open; waiting for this position is how a
   * client reads its own writes.
   */
  headPosition(): Promise<Position>;

  close(): Promise<void>;
}

/** Injection token for the configured adapter. */
export const EVENT_STORE = Symbol('EVENT_STORE');
