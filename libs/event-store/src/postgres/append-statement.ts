import type { ExpectedRevision } from '../event-store.port';

/**
 * One append as one statement (prepared once per connection): read the stream's revision from its
 * newest row, keep going only if it is the expected one, insert the events with positions from the
 * transaction id. The fast path does no idempotency lookup and takes no lock; the failure paths
 * (nothing inserted, or a unique key violated) are sorted out by the caller.
 */
export const APPEND_STATEMENT = {
  name: 'es_append_v1',
  text: `
    WITH current AS (
      SELECT coalesce((SELECT revision FROM es_events WHERE stream_id = $1 ORDER BY revision DESC LIMIT 1), -1) AS revision
    ), allowed AS (
      SELECT revision FROM current
       WHERE CASE $2::text
               WHEN 'any' THEN true
               WHEN 'no_stream' THEN revision = -1
               WHEN 'stream_exists' THEN revision >= 0
               ELSE revision = $3::bigint
             END
    ), inserted AS (
      INSERT INTO es_events (position, stream_id, revision, event_id, type, data, metadata)
      SELECT ((pg_current_xact_id()::text::bigint + (SELECT position_xid_offset FROM es_meta)) << 20) + e.n,
             $1, allowed.revision + e.n, e.id, e.type, e.data, e.metadata
        FROM allowed, unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, n)
      RETURNING position, revision
    )
    SELECT (SELECT revision FROM current) AS current_revision, max(position) AS position, max(revision) AS revision FROM inserted`,
};

export function expectedRevisionParameters(expected: ExpectedRevision): [string, number | null] {
  return typeof expected === 'number' ? ['exact', expected] : [expected, null];
}

export interface AppendRow {
  current_revision: string;
  position: string | null;
  revision: string | null;
}
