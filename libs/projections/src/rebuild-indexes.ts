import type { Pool } from 'pg';

/**
 * How to build a table's indexes again once its rows are in: each index with CREATE INDEX
 * CONCURRENTLY, a primary key or unique constraint as such an index that the constraint then
 * adopts (USING INDEX).
 *
 * Why concurrently, in a schema nobody reads yet: a plain CREATE INDEX holds a transaction id for
 * the whole build (it writes the catalogue first), and every subscriber of the event store in the
 * cluster waits for the oldest open transaction id (es_visible_bound), so a build of a large table
 * stalled the live projector for its duration. A concurrent build writes the catalogue in short
 * transactions of its own and builds and validates with a snapshot but without a transaction id.
 * It costs a second look at the table, and it waits for transactions of this database that hold
 * an older snapshot (a long report or a pg_dump delays the rebuild, never the live system).
 */
export interface IndexBuild {
  /** The statements, run one after the other, outside any transaction block. */
  statements: string[];
}

interface IndexRow {
  table: string;
  index: string;
  constraint: string | null;
  constraint_type: string | null;
  index_def: string;
  constraint_def: string | null;
}

/**
 * Drops every index of the schema's read-model tables, primary keys included, and returns how to
 * build them again, per table: a rebuild never looks rows up, and building an index over rows
 * already in is several times cheaper than keeping it up row by row.
 */
export async function dropIndexes(pool: Pool, schema: string): Promise<Map<string, IndexBuild[]>> {
  const { rows } = await pool.query<IndexRow>(
    `SELECT t.relname AS table, i.relname AS index, c.conname AS constraint, c.contype::text AS constraint_type,
            pg_get_indexdef(i.oid) AS index_def, pg_get_constraintdef(c.oid) AS constraint_def
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = t.oid
      WHERE n.nspname = $1 AND t.relname <> 'rm_schema_migrations'`,
    [schema],
  );
  const builds = new Map<string, IndexBuild[]>();
  for (const row of rows) {
    await pool.query(row.constraint ? `ALTER TABLE ${schema}.${row.table} DROP CONSTRAINT ${row.constraint}` : `DROP INDEX ${schema}.${row.index}`);
    builds.set(row.table, [...(builds.get(row.table) ?? []), indexBuild(schema, row)]);
  }
  return builds;
}

function indexBuild(schema: string, row: IndexRow): IndexBuild {
  const concurrently = row.index_def.replace(/^CREATE (UNIQUE )?INDEX /, 'CREATE $1INDEX CONCURRENTLY ');
  if (!row.constraint) return { statements: [concurrently] };
  // A primary key or unique constraint adopts an index built beforehand; its columns stay NOT NULL
  // when the key is dropped, so adopting it is a catalogue change only.
  if (row.constraint_type === 'p' || row.constraint_type === 'u') {
    const kind = row.constraint_type === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
    return { statements: [concurrently, `ALTER TABLE ${schema}.${row.table} ADD CONSTRAINT ${row.constraint} ${kind} USING INDEX ${row.index}`] };
  }
  return { statements: [`ALTER TABLE ${schema}.${row.table} ADD CONSTRAINT ${row.constraint} ${row.constraint_def}`] };
}
