import { Pool } from 'pg';
import type { EventStore, Position } from '@bistand/event-store/event-store.port';
import { inTransaction } from '@bistand/database/transaction';
import { migrate } from '@bistand/event-store/postgres/migrator';
import type { Projection, ProjectionRebuild, RebuildTables } from './projection';
import { READ_MODEL_SCHEMA, readModelMigrations } from './read-model-schema';
import { copyAll, openCopy, type CopyStream } from './table-rows';

export interface RebuildProgress {
  events: number;
  position: Position;
  /** The store's head when the rebuild started: the 100 % mark (later events are caught up too). */
  target: Position;
  elapsedSeconds: number;
}

/** Events per read from the store. */
const REBUILD_BATCH = 5_000;
/** Events folded between looks at the socket. */
const FOLD_SLICE = 500;

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
 */
export async function rebuildReadModels(options: {
  store: EventStore;
  databaseUrl: string;
  projections: readonly Projection[];
  onProgress?: (progress: RebuildProgress) => void;
  /** Called when every event is folded and the rows are being written and indexed. */
  onWriting?: () => void;
}): Promise<{ events: number; seconds: number }> {
  const next = `${READ_MODEL_SCHEMA}_next`;
  const admin = new Pool({ connectionString: options.databaseUrl, max: 2 });
  // The new schema is not live until the swap: its writes need not wait for the disk, and its indexes may take more memory.
  const target = new Pool({ connectionString: options.databaseUrl, max: 6, options: `-c search_path=${next} -c synchronous_commit=off -c maintenance_work_mem=256MB` });
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
    let folded: { events: number; after: Position };
    try {
      folded = await foldEvents(options.store, rebuilds, (progress) => options.onProgress?.({ ...progress, elapsedSeconds: elapsed() }));
      options.onWriting?.();
      await Promise.all(rebuilds.map(({ rebuild }) => rebuild.write()));
    } catch (error) {
      fresh.abort(error as Error);
      throw error;
    }
    await target.query('INSERT INTO rm_checkpoints (projection, position) SELECT unnest($1::text[]), $2', [options.projections.map((p) => p.name), folded.after.toString()]);
    // Tables no projection wrote to (the checkpoints, any left empty) get their indexes too.
    await Promise.all((await tablesOf(target, next)).map(fresh.finish));

    await inTransaction(admin, async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA}_old CASCADE`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [READ_MODEL_SCHEMA]);
      if (rowCount) await client.query(`ALTER SCHEMA ${READ_MODEL_SCHEMA} RENAME TO ${READ_MODEL_SCHEMA}_old`);
      await client.query(`ALTER SCHEMA ${next} RENAME TO ${READ_MODEL_SCHEMA}`);
    });
    await admin.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA}_old CASCADE`);
    return { events: folded.events, seconds: elapsed() };
  } finally {
    await target.end();
    await admin.end();
  }
}

/** Reads every event and hands it to each rebuild that handles it; reading the next batch overlaps with folding this one. */
async function foldEvents(
  store: EventStore,
  rebuilds: { projection: Projection; rebuild: ProjectionRebuild }[],
  onProgress: (progress: Omit<RebuildProgress, 'elapsedSeconds'>) => void,
): Promise<{ events: number; after: Position }> {
  const head = await store.headPosition();
  let after = 0n;
  let events = 0;
  let reading = store.readAll({ after, maxCount: REBUILD_BATCH });
  for (;;) {
    const batch = await reading;
    if (batch.length === 0) return { events, after };
    after = batch[batch.length - 1].position;
    reading = store.readAll({ after, maxCount: REBUILD_BATCH });
    reading.catch(() => undefined); // awaited next round, unless folding this batch fails first
    for (let start = 0; start < batch.length; start += FOLD_SLICE) {
      const slice = batch.slice(start, start + FOLD_SLICE);
      for (const { projection, rebuild } of rebuilds) rebuild.add(slice.filter((event) => projection.handles.includes(event.type)));
      // Lets the next batch's rows, and rows already sent to COPY, move meanwhile: folding without a pause fills the sockets, and the server waits.
      await new Promise(setImmediate);
    }
    events += batch.length;
    onProgress({ events, position: after, target: head });
  }
}

/**
 * The rebuild's tables, written with COPY, each indexed and analysed as soon as its rows are in
 * (`finish`); `abort` cancels the COPYs still open when the rebuild fails.
 */
function freshTables(pool: Pool, schema: string, indexes: Map<string, string[]>): { tables: RebuildTables; finish: (table: string) => Promise<void>; abort: (error: Error) => void } {
  const finished = new Map<string, Promise<void>>();
  const finish = (table: string) => {
    if (!finished.has(table)) {
      finished.set(table, (async () => {
        await Promise.all((indexes.get(table) ?? []).map((statement) => pool.query(statement)));
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
      await pool.query(sql);
      await Promise.all(filled.map(finish));
    },
  };
  return { tables, finish, abort: (error) => copies.forEach((copy) => copy.abort(error)) };
}

/**
 * Drops every index of the fresh schema's read-model tables, primary keys included, and returns
 * the statements that build them again, per table: a rebuild never looks rows up, and building an
 * index over rows already in is several times cheaper than keeping it up row by row.
 */
async function dropIndexes(pool: Pool, schema: string): Promise<Map<string, string[]>> {
  const { rows } = await pool.query<{ table: string; index: string; constraint: string | null; index_def: string; constraint_def: string | null }>(
    `SELECT t.relname AS table, i.relname AS index, c.conname AS constraint, pg_get_indexdef(i.oid) AS index_def, pg_get_constraintdef(c.oid) AS constraint_def
       FROM pg_index x
       JOIN pg_class i ON i.oid = x.indexrelid
       JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_constraint c ON c.conindid = i.oid AND c.conrelid = t.oid
      WHERE n.nspname = $1 AND t.relname <> 'rm_schema_migrations'`,
    [schema],
  );
  const statements = new Map<string, string[]>();
  for (const row of rows) {
    await pool.query(row.constraint ? `ALTER TABLE ${schema}.${row.table} DROP CONSTRAINT ${row.constraint}` : `DROP INDEX ${schema}.${row.index}`);
    const build = row.constraint ? `ALTER TABLE ${schema}.${row.table} ADD CONSTRAINT ${row.constraint} ${row.constraint_def}` : row.index_def;
    statements.set(row.table, [...(statements.get(row.table) ?? []), build]);
  }
  return statements;
}

/** The tables of a schema. */
export async function tablesOf(db: Pick<Pool, 'query'>, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema]);
  return rows.map((row) => row.tablename);
}
