import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import type { RowShape, RowStream } from './table-rows';

/**
 * A read model kept in PostgreSQL. The projector hands it batches of events inside a transaction
 * that also moves its checkpoint, so each event takes effect exactly once.
 */
export interface Projection {
  /** Stable name: the key of its checkpoint row. */
  name: string;
  /** The event types it handles, written out; others only move the checkpoint. */
  handles: readonly string[];
  apply(client: PoolClient, events: RecordedEvent[]): Promise<void>;
  /**
   * Starts a rebuild into empty `tables`: the same fold as `apply`, kept in memory across every
   * batch, and each row written once (rows that can no longer change may go out while it folds).
   */
  rebuild(tables: RebuildTables): ProjectionRebuild;
}

export interface ProjectionRebuild {
  /**
   * Folds the next event (in store order, only the types the projection handles), or throws having
   * changed nothing, so that the rebuild can park it. One event per call: no array per event.
   */
  add(event: RecordedEvent): void;
  /** Writes the rest of the rows, as many tables side by side as it can. */
  write(): Promise<void>;
}

/**
 * The fresh tables of a rebuild. They are not live until the rebuild swaps them in whole, so
 * nothing needs a transaction, and each table gets its indexes as soon as its rows are in.
 */
export interface RebuildTables {
  /** Starts filling an empty table; it is indexed when the stream ends. */
  stream(shape: RowShape): RowStream;
  /** Fills an empty table with rows. */
  copy(shape: RowShape, rows: readonly object[]): Promise<void>;
  /** Runs a statement that fills the empty tables `filled` from others already written. */
  fill(sql: string, filled: readonly string[]): Promise<void>;
}
