import { Pool } from 'pg';
import type { EventStore, Position } from '@bistand/event-store/event-store.port';
import { inTransaction } from '@bistand/database/transaction';
import { migrate } from '@bistand/event-store/postgres/migrator';
import type { Projection } from './projection';
import { applyBatch, loadCheckpoint } from './projector';
import { QUERY_INDEXES, READ_MODEL_SCHEMA, readModelMigrations } from './read-model-schema';

export interface RebuildProgress {
  events: number;
  position: Position;
  /** The store's head when the rebuild started: the 100 % mark (later events are caught up too). */
  target: Position;
  elapsedSeconds: number;
}

const REBUILD_BATCH = 20_000;

/**
 * Rebuilds every read model from the events into a fresh schema beside the live one, then swaps
 * the two in one transaction. The API keeps answering from the old tables until the swap; the live
 * projector notices the new checkpoints and follows on from them.
 */
export async function rebuildReadModels(options: {
  store: EventStore;
  databaseUrl: string;
  projections: readonly Projection[];
  onProgress?: (progress: RebuildProgress) => void;
  /** Called when every event is in and the query indexes are being built. */
  onIndexing?: () => void;
}): Promise<{ events: number; seconds: number }> {
  const next = `${READ_MODEL_SCHEMA}_next`;
  const admin = new Pool({ connectionString: options.databaseUrl, max: 2 });
  // The new schema is not live until the swap: its batches need not wait for the disk, and its indexes may take more memory.
  const target = new Pool({ connectionString: options.databaseUrl, max: 4, options: `-c search_path=${next} -c synchronous_commit=off -c maintenance_work_mem=256MB` });
  for (const pool of [admin, target]) pool.on('error', () => undefined);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${next} CASCADE`);
    await admin.query(`CREATE SCHEMA ${next}`);
    await migrate(target, 'rm_schema_migrations', readModelMigrations);
    const deferred = await dropQueryIndexes(target, next);
    // Unlogged while filling: a crash mid-rebuild only means running it again. Logged again before the swap.
    const tables = await makeUnlogged(target, next);
    let after = await loadCheckpoint(target, options.projections);
    const head = await options.store.headPosition();
    let events = 0;
    // Reading the next batch overlaps with applying this one.
    let reading = options.store.readAll({ after, maxCount: REBUILD_BATCH });
    for (;;) {
      const batch = await reading;
      if (batch.length === 0) break;
      after = batch[batch.length - 1].position;
      reading = options.store.readAll({ after, maxCount: REBUILD_BATCH });
      await applyBatch(target, options.projections, batch);
      events += batch.length;
      options.onProgress?.({ events, position: after, target: head, elapsedSeconds: elapsed() });
    }
    options.onIndexing?.();
    await Promise.all(tables.map((table) => target.query(`ALTER TABLE ${next}.${table} SET LOGGED`)));
    await Promise.all(deferred.map((definition) => target.query(definition)));
    await analyzeSchema(target, next);
    await inTransaction(admin, async (client) => {
      await client.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA}_old CASCADE`);
      const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [READ_MODEL_SCHEMA]);
      if (rowCount) await client.query(`ALTER SCHEMA ${READ_MODEL_SCHEMA} RENAME TO ${READ_MODEL_SCHEMA}_old`);
      await client.query(`ALTER SCHEMA ${next} RENAME TO ${READ_MODEL_SCHEMA}`);
    });
    await admin.query(`DROP SCHEMA IF EXISTS ${READ_MODEL_SCHEMA}_old CASCADE`);
    return { events, seconds: elapsed() };
  } finally {
    await target.end();
    await admin.end();
  }
}

/** Drops the fresh schema's query-only indexes and returns the statements that create them again. */
async function dropQueryIndexes(pool: Pool, schema: string): Promise<string[]> {
  const { rows } = await pool.query<{ indexname: string; indexdef: string }>('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = ANY ($2::text[])', [
    schema,
    QUERY_INDEXES,
  ]);
  for (const { indexname } of rows) await pool.query(`DROP INDEX ${schema}.${indexname}`);
  return rows.map((row) => row.indexdef);
}

/** Planner statistics for the fresh tables, so the first queries after the swap are planned well. */
async function analyzeSchema(pool: Pool, schema: string): Promise<void> {
  await Promise.all((await tablesOf(pool, schema)).map((table) => pool.query(`ANALYZE ${schema}.${table}`)));
}

/** The tables of a schema. */
export async function tablesOf(db: Pick<Pool, 'query'>, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ tablename: string }>('SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [schema]);
  return rows.map((row) => row.tablename);
}

/** Makes every table of the (still empty) schema unlogged; returns their names. */
async function makeUnlogged(pool: Pool, schema: string): Promise<string[]> {
  const tables = await tablesOf(pool, schema);
  for (const table of tables) await pool.query(`ALTER TABLE ${schema}.${table} SET UNLOGGED`);
  return tables;
}
