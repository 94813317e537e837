import type { ExpectedRevision } from './event-store.port';

/** Base of the typed errors the event store raises; `code` is stable and mapped to HTTP at the edge. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

/** The stream was not at the expected revision; `actualRevision` is -1 when it does not exist. */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'EVENT_STORE.WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expectedRevision: ExpectedRevision,
    readonly actualRevision: number,
  ) {
    super(
      `Stream ${streamId} is at revision ${actualRevision === -1 ? 'no_stream' : actualRevision}, expected ${String(expectedRevision)}`,
    );
  }
}

/** Some of the event ids were already used, but not as exactly this append to this stream. */
export class EventIdConflictError extends EventStoreError {
  readonly code = 'EVENT_STORE.EVENT_ID_CONFLICT';
  constructor(readonly streamId: string) {
    super(`Some event ids of this append to ${streamId} were already used by another append`);
  }
}

export class InvalidAppendError extends EventStoreError {
  readonly code = 'EVENT_STORE.INVALID_APPEND';
}
