import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';

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
}
