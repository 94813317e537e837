import { Pool } from 'pg';
import type { EventStore, Position } from '@bistand/event-store/event-store.port';
import { inTransaction } from '@bistand/database/transaction';
import { migrate } from '@bistand/event-store/postgres/migrator';
import type { Projection, RebuildTables } from './projection';
import { READ_MODEL_SCHEMA, readModelMigrations } from './read-model-schema';
import { copyAll, openCopy, type CopyStream } from './table-rows';
import { foldEvents, PARKED_ROWS } from './rebuild-fold';
import { dropIndexes, type IndexBuild } from './rebuild-indexes';

export interface RebuildProgress {
  events: number;
  position: Position;
  /** The store's head when the rebuild started: the 100 % mark (later events are caught up too). */
  target: Position;
  elapsedSeconds: number;
}

/** How the rebuild's connections show in pg_stat_activity (and in /health/ready's eventVisibility). */
export const REBUILD_APPLICATION_NAME = 'bistand-rebuild';

/**
 * Rebuilds every read model from the events into a fresh schema beside the live one, then swaps
 * the two in one transaction. The API keeps answering from the old tables until the swap; the live
 * projector notices the new checkpoints and follows on from them.
 *
 * Each projection folds every event in memory (as its live batches would, without reading or
 * writing rows between them) and writes each row once, with COPY, into tables without indexes:
 * rows that can no longer change while it still folds, the rest at the end. Each table gets its
 * indexes and planner statistics as soon as its rows are in. Memory grows with the read models
 * (about 130 MB for a year of the national mix, 200,000 events).
 *
 * Every transaction it opens is short: each COPY is sent whole once its rows are formed (at most
 * 5,000 rows or 1 MB, see openCopy), indexes are built concurrently (rebuild-indexes.ts), the
 * statistics are filled statement by statement, and the swap only renames. A transaction holding a
 * transaction id would hold back every subscriber of the event store in the cluster, the live
 * projector included, for as long as it stays open. The fresh tables are not live until the swap,
 * so their rows may be committed piecemeal: a failed rebuild leaves the live schema untouched, and
 * the next one drops what it left and starts over.
 *
 * An event a projection cannot apply is parked in the fresh schema's rm_parked_events, with every
 * later event of its stream for that projection, as the live projector does; the rest goes on.
 */
export async function rebuildReadModels(options: {
  store: EventStore;
  databaseUrl: string;
  projections: readonly Projection[];
  onProgress?: (progress: RebuildProgress) => void;
  /** Called when every event is folded and the rows are being written and indexed. */
  onWriting?: () => unknown;
}): Promise<{ events: number; seconds: number; parked: number }> {
  const next = `${READ_MODEL_SCHEMA}_next`;
  const admin = new Pool({ connectionString: options.databaseUrl, max: 2, application_name: REBUILD_APPLICATION_NAME });
  // The new schema is not live until the swap: its writes need not wait for the disk, and its indexes may take more memory.
  const target = new Pool({ connectionString: options.databaseUrl, max: 6, application_name: REBUILD_APPLICATION_NAME, options: `-c search_path=${next} -c synchronous_commit=off -c maintenance_work_mem=256MB` });
  for (const pool of [admin, target]) pool.on('error', () => undefined);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${next} CASCADE`);
    await admin.query(`CREATE SCHEMA ${next}`);
    await migrate(target, 'rm_schema_migrations', readModelMigrations);
    const indexes = await dropIndexes(target, next);

    const fresh = freshTables(target, next, indexes);
    const rebuilds = options.projections.map((projection) => ({ projection, rebuild: projection.rebuild(fresh.tables) }));
    let folded: { events: number; after: Position; parked: readonly object[] };
    try {
      folded = await foldEvents(options.store, rebuilds, (progress) => options.onProgress?.({ ...progress, elapsedSeconds: elapsed() }));
      await options.onWriting?.();
      await Promise.all([...rebuilds.map(({ rebuild }) => rebuild.write()), ...(folded.parked.length > 0 ? [fresh.tables.copy(PARKED_ROWS, folded.parked)] : [])]);
    } catch (error) {
      fresh.abort(error as Error);
      throw error;
    }
    await target.query('INSERT INTO rm_checkpoints (projection, position) SELECT unnest($1::text[]), $2', [options.projections.map((p) => p.name), folded.after.toString()]);
    // Tables no projection wrote to (the checkpoints, any left empty) get their indexes too.
    await Promise.all((await tablesOf(target, next)).map(fresh.finish));

    // Left by a rebuild that failed right after its swap; dropped outside the swap, which stays a few renames.
    await admin.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA}_old CASCADE`);
    await inTransaction(admin, async (client) => {
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [READ_MODEL_SCHEMA]);
      if (rowCount) await client.query(`ALTER SCHEMA ${READ_MODEL_SCHEMA} RENAME TO ${READ_MODEL_SCHEMA}_old`);
      await client.query(`ALTER SCHEMA ${next} RENAME TO ${READ_MODEL_SCHEMA}`);
    });
    await admin.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA}_old CASCADE`);
    return { events: folded.events, seconds: elapsed(), parked: folded.parked.length };
  } finally {
    await target.end();
    await admin.end();
  }
}

/**
 * The rebuild's tables, written with COPY, each indexed and analysed as soon as its rows are in
 * (`finish`); `abort` cancels the COPYs still open when the rebuild fails. Every statement is a
 * short transaction of its own (see openCopy and rebuild-indexes.ts): the fresh tables are not
 * live until the swap, so nothing here needs a transaction, and a long one would hold back every
 * subscriber of the event store.
 */
function freshTables(pool: Pool, schema: string, indexes: Map<string, IndexBuild[]>): { tables: RebuildTables; finish: (table: string) => Promise<void>; abort: (error: Error) => void } {
  const finished = new Map<string, Promise<void>>();
  const finish = (table: string) => {
    if (!finished.has(table)) {
      finished.set(table, (async () => {
        // One build at a time per table: concurrent builds of one table take turns anyway (each holds its table's lock).
        for (const build of indexes.get(table) ?? []) for (const statement of build.statements) await pool.query(statement);
        await pool.query(`ANALYZE ${schema}.${table}`);
      })());
    }
    return finished.get(table)!;
  };
  const copies: CopyStream[] = [];
  const tables: RebuildTables = {
    stream: (shape) => {
      const copy = openCopy(pool, shape);
      copies.push(copy);
      return {
        push: (row) => copy.push(row),
        end: async () => {
          await copy.end();
          await finish(shape.table);
        },
      };
    },
    copy: async (shape, rows) => {
      await copyAll(pool, shape, rows);
      await finish(shape.table);
    },
    fill: async (sql, filled) => {
      // Each statement on its own: several in one query string would run as one transaction.
      for (const statement of sqlStatements(sql)) await pool.query(statement);
      await Promise.all(filled.map(finish));
    },
  };
  return { tables, finish, abort: (error) => copies.forEach((copy) => copy.abort(error)) };
}

/** The statements of a script of our own (no semicolon inside a literal or a body). */
function sqlStatements(sql: string): string[] {
  return sql.split(/;\s*(?:\n|$)/).map((statement) => statement.trim()).filter((statement) => statement.length > 0);
}

/** The tables of a schema. */
export async function tablesOf(db: Pick<Pool, 'query'>, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema]);
  return rows.map((row) => row.tablename);
}
