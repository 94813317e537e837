import type { EventStore, RecordedEvent } from '@bistand/event-store/event-store.port';
import type { Recorded } from '@bistand/placement/placement-request/placement-request.state';
import { isEventMetadata } from './command-metadata';

/** How to fold one kind of stream into its state. */
export interface StreamModel<S, E extends { type: string; data: unknown }> {
  initialState: S;
  evolve(state: S, event: Recorded<E>): S;
}

export interface LoadedStream<S> {
  state: S;
  /** Revision of the newest event, -1 when the stream does not exist. */
  revision: number;
  events: RecordedEvent[];
}

/** Reads a stream and folds it; business time comes from each event's metadata. */
export async function loadStream<S, E extends { type: string; data: unknown }>(
  store: EventStore,
  streamId: string,
  model: StreamModel<S, E>,
): Promise<LoadedStream<S>> {
  const events = await store.readStream(streamId);
  const state = events.reduce((current, recorded) => model.evolve(current, toDomainEvent<E>(recorded)), model.initialState);
  return { state, revision: events.length > 0 ? events[events.length - 1].revision : -1, events };
}

export function toDomainEvent<E extends { type: string; data: unknown }>(recorded: RecordedEvent): Recorded<E> {
  const occurredAt = isEventMetadata(recorded.metadata) ? new Date(recorded.metadata.occurredAt) : recorded.recordedAt;
  return { type: recorded.type, data: recorded.data, eventId: recorded.eventId, occurredAt } as Recorded<E>;
}
