import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../libs/database/src';

declare global {
  // eslint-disable-next-line no-var
  var __BISTAND_TEST_POSTGRES__: { running?: RunningPostgres; dataDir?: string } | undefined;
}

/**
 * One PostgreSQL for the whole test run: `DATABASE_URL` when set, else an embedded cluster in a
 * temporary folder. Each test file then creates its own database on it (test/support/test-database.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.BISTAND_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bistand-test-'));
  const running = await startEmbeddedPostgres({
    dataDir,
    // Throwaway cluster: durability settings off for speed; max_connections for parallel workers.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
  });
  globalThis.__BISTAND_TEST_POSTGRES__ = { running, dataDir };
  process.env.BISTAND_TEST_SERVER_URL = running.url;
}
