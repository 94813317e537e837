import { Pool } from 'pg';
import type { EventStore, Position } from '@bistand/event-store/event-store.port';
import { inTransaction } from '@bistand/database/transaction';
import { migrate } from '@bistand/event-store/postgres/migrator';
import type { Projection } from './projection';
import { applyBatch, loadCheckpoint } from './projector';
import { READ_MODEL_SCHEMA, readModelMigrations } from './read-model-schema';

export interface RebuildProgress {
  events: number;
  position: Position;
  /** The store's head when the rebuild started: the 100 % mark (later events are caught up too). */
  target: Position;
  elapsedSeconds: number;
}

const REBUILD_BATCH = 5_000;

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
}): Promise<{ events: number; seconds: number }> {
  const next = `${READ_MODEL_SCHEMA}_next`;
  const admin = new Pool({ connectionString: options.databaseUrl, max: 2 });
  const target = new Pool({ connectionString: options.databaseUrl, max: 4, options: `-c search_path=${next}` });
  for (const pool of [admin, target]) pool.on('error', () => undefined);
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${next} CASCADE`);
    await admin.query(`CREATE SCHEMA ${next}`);
    await migrate(target, 'rm_schema_migrations', readModelMigrations);
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
