import type { Migration } from '../migrator';

/**
 * Positions encode the writing transaction: position = ((xid + offset) << 20) + n, n = 1..2^20-1
 * the event's place in its append. Ordering by position is therefore ordering by transaction id,
 * and a reader that only reads below ((xmin of its snapshot + offset) << 20) only sees events of
 * transactions that have finished: any transaction still running has a larger xid, so it can
 * never commit an event below what the reader has already passed. `position_xid_offset` stays 0
 * unless the database is restored into a cluster whose transaction ids restart lower (see
 * position-offset.ts).
 */
export const eventStoreSchema: Migration = {
  version: 1,
  name: 'event-store',
  sql: `
    CREATE TABLE es_meta (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      position_xid_offset bigint NOT NULL DEFAULT 0
    );
    INSERT INTO es_meta DEFAULT VALUES;

    CREATE TABLE es_events (
      position bigint PRIMARY KEY,
      stream_id text NOT NULL,
      revision bigint NOT NULL,
      event_id uuid NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT es_events_stream_revision_key UNIQUE (stream_id, revision),
      CONSTRAINT es_events_event_id_key UNIQUE (event_id)
    );
    -- No stream table: a stream's revision is its newest row, and the unique (stream_id, revision)
    -- key is what makes two concurrent appends at the same revision conflict.

    -- The highest position a reader may see now: everything below it was written by finished transactions.
    CREATE FUNCTION es_visible_bound() RETURNS bigint LANGUAGE sql STABLE AS $$
      SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + position_xid_offset) << 20 FROM es_meta
    $$;

  `,
};
