import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '@bistand/config';
import { DataDirLockedError, provisionDatabase, type ProvisionedDatabase } from '@bistand/database';
import { openEventStore } from '@bistand/event-store/event-store.module';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { REBUILD_APPLICATION_NAME, rebuildReadModels, type RebuildProgress } from '@bistand/projections/rebuild';
import { RUNNING_DATABASE_FILE } from './running-database';

/**
 * npm run projections:rebuild — rebuilds every read model from the events into fresh tables and
 * swaps them in, while a running Bistand keeps answering from the old ones.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const database = await openDatabase(config.databaseUrl, config.dataDir);
  const store = await openEventStore(
    config.eventStore === 'kurrentdb' && config.kurrentdbUrl ? { kind: 'kurrentdb', connectionString: config.kurrentdbUrl } : { kind: 'postgres', connectionString: database.url, applicationName: REBUILD_APPLICATION_NAME },
  );
  try {
    process.stderr.write(`Rebuilding read models from the events (${database.description})\n`);
    const result = await rebuildReadModels({ store, databaseUrl: database.url, projections: ALL_PROJECTIONS,
      onProgress: progressBar(),
      onWriting: () => process.stderr.write('\nWriting the rows, then their indexes and planner statistics...'),
    });
    process.stderr.write(`\nRebuilt ${result.events.toLocaleString('en-US')} events in ${result.seconds.toFixed(1)} s (${Math.round(result.events / Math.max(result.seconds, 1e-9)).toLocaleString('en-US')} events/s); the new read models are live.\n`);
    if (result.parked > 0) {
      process.stderr.write(`${result.parked.toLocaleString('en-US')} events could not be applied and are parked (with the later events of their streams): see GET /v1/admin/parked-events.\n`);
    }
  } finally {
    await store.close();
    await database.stop();
  }
}

/** The database of a running Bistand when it holds the embedded data folder, else our own. */
async function openDatabase(databaseUrl: string | undefined, dataDir: string): Promise<ProvisionedDatabase> {
  try {
    return await provisionDatabase({ databaseUrl, dataDir });
  } catch (error) {
    const file = join(resolve(dataDir), RUNNING_DATABASE_FILE);
    if (!(error instanceof DataDirLockedError) || !existsSync(file)) throw error;
    return { url: readFileSync(file, 'utf8').trim(), description: `the running Bistand's embedded PostgreSQL`, stop: async () => undefined };
  }
}

function progressBar(): (progress: RebuildProgress) => void {
  let lastDraw = 0;
  return ({ events, position, target, elapsedSeconds }) => {
    const now = Date.now();
    if (now - lastDraw < 100 && position < target) return;
    lastDraw = now;
    const share = target > 0n ? Math.min(1, Number((position * 1000n) / target) / 1000) : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const rate = Math.round(events / Math.max(elapsedSeconds, 1e-9)).toLocaleString('en-US');
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${events.toLocaleString('en-US')} events  ${rate} events/s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError || error instanceof DataDirLockedError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
