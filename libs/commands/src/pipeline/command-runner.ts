import { randomUUID } from 'node:crypto';
import type { EventStore, Position, RecordedEvent } from '@bistand/event-store/event-store.port';
import { EventIdConflictError, WrongExpectedRevisionError } from '@bistand/event-store/event-store.errors';
import { ProblemException } from '@bistand/http/problem';
import { EVENT_SCHEMA_VERSION, type CommandMetadata, type EventMetadata } from './command-metadata';
import { deterministicUuid } from '@bistand/placement/deterministic-id';
import { loadStream, type LoadedStream, type StreamModel } from './stream-loader';

export interface CommandResult {
  id: string;
  revision: number;
  position: Position;
  /**
   * `appended`: this command's events were written now; `replayed`: a retry with the same
   * Idempotency-Key, answered as the first time; `repeated`: a creation sent again with the same
   * id and body, which PRODUCT.md §6 answers with 200.
   */
  outcome: 'appended' | 'replayed' | 'repeated' | 'unchanged';
}

/** What a decision sees: the loaded stream, and the ids its events will be stored with. */
export interface Decision<S> extends LoadedStream<S> {
  /**
   * The event id the `index`-th event of this decision will be stored with, known before deciding
   * so that one event can name another of the same append (`OfferDeadlineMissRetracted.lateEventId`
   * is the id of the late offer or withdrawal itself, PRODUCT.md §3). Derived from the
   * Idempotency-Key when there is one, so a retry writes the same ids and the store's own
   * idempotency catches racing retries.
   */
  eventId(index: number): string;
}

export interface ExecuteOptions<S, E extends { type: string; data: unknown }> {
  id: string;
  streamId: string;
  model: StreamModel<S, E>;
  metadata: CommandMetadata;
  /**
   * Scope first (PRODUCT.md §6): throws (403, or 404 for a resource that does not exist) when the
   * caller may not act on the stream in this state. Runs before anything else is looked at, so no
   * 412 (If-Match), 409 (status, id taken), 422 (Idempotency-Key reused) or "same id again" 200
   * ever answers a caller outside the resource's scope. For a creation, `state` is the stream the
   * client's id points at: an existing stream of someone else's is theirs to see, not ours.
   */
  authorize(state: S): void;
  /**
   * For creation commands (a stream, or an offer inside one): finds the event this command created
   * before, if it ran already. Repeated with the same body it returns the first answer; with
   * another body the decider rejects it (409).
   */
  createdBefore?: (events: RecordedEvent[]) => RecordedEvent | undefined;
  /** Decides against the current state; throws a DomainError or ProblemException to reject. */
  decide(decision: Decision<S>): E[] | Promise<E[]>;
}

/** Attempts when a concurrent writer moved the stream between load and append (without If-Match). */
const MAX_ATTEMPTS = 3;

/**
 * The write path of every command: load the stream, authorise the caller on it, honour
 * Idempotency-Key, client ids and If-Match, decide, and append with the loaded revision as the
 * expected one. Answers only after the append committed.
 */
export class CommandRunner {
  constructor(private readonly store: EventStore) {}

  async execute<S, E extends { type: string; data: unknown }>(options: ExecuteOptions<S, E>): Promise<CommandResult> {
    const { metadata } = options;
    const eventId = eventIds(metadata);
    for (let attempt = 1; ; attempt++) {
      const loaded = await loadStream(this.store, options.streamId, options.model, (prefix) => options.authorize(prefix));
      options.authorize(loaded.state);
      const earlier = this.earlierAnswer(options, loaded.events);
      if (earlier) return earlier;
      if (metadata.ifMatch !== undefined && metadata.ifMatch !== loaded.revision) throw preconditionFailed(loaded.revision);

      const decided = await this.decideOrReplay(options, { ...loaded, eventId });
      if (!Array.isArray(decided)) return decided;
      if (decided.length === 0) {
        const last = loaded.events[loaded.events.length - 1];
        return { id: options.id, revision: loaded.revision, position: last?.position ?? 0n, outcome: 'unchanged' };
      }
      const recordedAt = new Date().toISOString();
      const events = decided.map((event, index) => {
        const eventMetadata: EventMetadata = {
          eventId: eventId(index),
          occurredAt: metadata.occurredAt.toISOString(),
          recordedAt,
          actor: { sub: metadata.actor.sub, role: metadata.actor.role },
          correlationId: metadata.correlationId,
          causationId: metadata.causationId,
          ...(metadata.idempotencyKey ? { idempotencyKey: metadata.idempotencyKey } : {}),
          requestHash: metadata.requestHash,
          schemaVersion: EVENT_SCHEMA_VERSION,
        };
        return { eventId: eventMetadata.eventId, type: event.type, data: event.data, metadata: { ...eventMetadata } };
      });

      try {
        const result = await this.store.appendToStream(options.streamId, events, {
          expectedRevision: loaded.revision === -1 ? 'no_stream' : loaded.revision,
        });
        if (!result.appended) {
          // A racing retry with the same key won; it only counts as ours if the body was the same.
          const replay = this.earlierAnswer(options, await this.store.readStream(options.streamId));
          if (replay) return replay;
        }
        return { id: options.id, revision: result.revision, position: result.position, outcome: 'appended' };
      } catch (error) {
        if (error instanceof EventIdConflictError && metadata.idempotencyKey) throw idempotencyKeyReused();
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (metadata.ifMatch !== undefined) throw preconditionFailed(error.actualRevision);
        if (attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Decides; when that rejects a command carrying an Idempotency-Key, a racing copy of the same
   * command may have committed meanwhile (and, say, taken the last place): then its answer is ours.
   */
  private async decideOrReplay<S, E extends { type: string; data: unknown }>(options: ExecuteOptions<S, E>, decision: Decision<S>): Promise<E[] | CommandResult> {
    try {
      return await options.decide(decision);
    } catch (error) {
      if (!options.metadata.idempotencyKey) throw error;
      const replay = this.earlierAnswer(options, await this.store.readStream(options.streamId));
      if (replay) return replay;
      throw error;
    }
  }

  /** The first answer to this same command, when it is a retry (Idempotency-Key) or a repeated creation. */
  private earlierAnswer<S, E extends { type: string; data: unknown }>(options: ExecuteOptions<S, E>, events: RecordedEvent[]): CommandResult | undefined {
    const { metadata } = options;
    if (metadata.idempotencyKey) {
      const sameKey = events.filter(
        (event) => event.metadata.idempotencyKey === metadata.idempotencyKey && (event.metadata.actor as { sub?: string } | undefined)?.sub === metadata.actor.sub,
      );
      if (sameKey.length > 0) {
        if (sameKey[0].metadata.requestHash !== metadata.requestHash) throw idempotencyKeyReused();
        const last = sameKey[sameKey.length - 1];
        return { id: options.id, revision: last.revision, position: last.position, outcome: 'replayed' };
      }
    }
    const created = options.createdBefore?.(events);
    if (created && created.metadata.requestHash === metadata.requestHash) {
      return { id: options.id, revision: created.revision, position: created.position, outcome: 'repeated' };
    }
    return undefined;
  }
}

/**
 * The ids of a command's events, by their place in the append: derived from the caller and the
 * Idempotency-Key (a retry writes the same ids), else random, fixed for the whole command.
 */
function eventIds(metadata: CommandMetadata): (index: number) => string {
  const { idempotencyKey } = metadata;
  if (idempotencyKey) return (index) => deterministicUuid(`${metadata.actor.sub}\n${idempotencyKey}\n${index}`);
  const ids: string[] = [];
  return (index) => (ids[index] ??= randomUUID());
}

function preconditionFailed(currentRevision: number): ProblemException {
  return new ProblemException(412, 'PRECONDITION.REVISION_MOVED', 'Precondition Failed', `The stream is at revision ${currentRevision}, not the one in If-Match`, {
    currentRevision,
  });
}

function idempotencyKeyReused(): ProblemException {
  return new ProblemException(
    422,
    'IDEMPOTENCY.KEY_REUSED',
    'Unprocessable Content',
    'This Idempotency-Key was already used with another request body or target; use a new key for a new command',
  );
}
