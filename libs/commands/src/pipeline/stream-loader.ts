import type { EventStore, RecordedEvent } from '@bistand/event-store/event-store.port';
import { ProblemException } from '@bistand/http/problem';
import type { Recorded } from '@bistand/placement/placement-request/placement-request.state';
import { UnfoldableEventError } from '@bistand/placement/unfoldable-event';
import { isEventMetadata } from './command-metadata';

/** How to fold one kind of stream into its state. */
export interface StreamModel<S, E extends { type: string; data: unknown }> {
  initialState: S;
  /** Applies one event; throws (UnfoldableEventError, or anything else) when it cannot. */
  evolve(state: S, event: Recorded<E>): S;
  /**
   * The stream a folded state belongs to (undefined for a stream that does not exist yet): a
   * stream whose events describe another aggregate (a PlacementRequested naming another request)
   * is unreadable, or the commands decided on it would write events about that other aggregate.
   */
  streamOf(state: S): string | undefined;
}

export interface LoadedStream<S> {
  state: S;
  /** Revision of the newest event, -1 when the stream does not exist. */
  revision: number;
  events: RecordedEvent[];
}

/**
 * A stream whose own events cannot be folded (PRODUCT.md §9): 503 `STREAM.UNREADABLE`, not the
 * caller's fault (no 4xx), not an unexplained 500, touching no other stream. The problem names the
 * event (revision, position, type) and why, never its values. `readablePrefix` is the state folded
 * from the events before the bad one, so scope can still be checked first (§6).
 */
export class StreamUnreadableError<S = unknown> extends ProblemException {
  constructor(
    streamId: string,
    event: RecordedEvent,
    reason: string,
    readonly readablePrefix: S,
  ) {
    super(
      503,
      'STREAM.UNREADABLE',
      'Service Unavailable',
      `Stream ${streamId} cannot be read: its event at revision ${event.revision} (${event.type}, position ${event.position}) cannot be applied: ${reason}. Other streams are not affected; the event needs repair`,
      { streamId, revision: event.revision, position: event.position.toString(), eventType: event.type },
    );
  }
}

/**
 * Reads a stream and folds it; business time comes from each event's metadata. Throws
 * StreamUnreadableError when an event cannot be folded; with `authorize`, the caller's scope is
 * checked on the readable prefix first, so an outsider gets its 403/404 rather than the 503.
 */
export async function loadStream<S, E extends { type: string; data: unknown }>(
  store: EventStore,
  streamId: string,
  model: StreamModel<S, E>,
  authorize?: (state: S) => void,
): Promise<LoadedStream<S>> {
  const events = await store.readStream(streamId);
  let state = model.initialState;
  for (const recorded of events) {
    try {
      state = model.evolve(state, toDomainEvent<E>(recorded));
    } catch (error) {
      const reason = error instanceof UnfoldableEventError ? error.reason : `the fold failed (${error instanceof Error ? error.message : String(error)})`;
      if (authorize && model.streamOf(state) === streamId) authorize(state);
      throw new StreamUnreadableError(streamId, recorded, reason, state);
    }
  }
  const belongsTo = model.streamOf(state);
  if (belongsTo !== undefined && belongsTo !== streamId) throw new StreamUnreadableError(streamId, events[0], 'its events describe another stream (not named here: the caller may not be in its scope)', model.initialState);
  return { state, revision: events.length > 0 ? events[events.length - 1].revision : -1, events };
}

export function toDomainEvent<E extends { type: string; data: unknown }>(recorded: RecordedEvent): Recorded<E> {
  let occurredAt = recorded.recordedAt;
  if (isEventMetadata(recorded.metadata)) {
    occurredAt = new Date(recorded.metadata.occurredAt);
    if (Number.isNaN(occurredAt.getTime())) throw new UnfoldableEventError(recorded.type, 'metadata.occurredAt is not a date-time');
  }
  return { type: recorded.type, data: recorded.data, eventId: recorded.eventId, occurredAt } as Recorded<E>;
}
