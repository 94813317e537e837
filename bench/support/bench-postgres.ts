import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { databaseUrl, dropDatabase, ensureDatabase } from '@bistand/database/databases';
import { startEmbeddedPostgres } from '@bistand/database/embedded-postgres';

export interface BenchPostgres {
  url: string;
  description: string;
  stop(): Promise<void>;
}

/**
 * A fresh database for one benchmark run: on `DATABASE_URL`'s server when set, else on an
 * embedded PostgreSQL in a temporary folder. Default durability settings: benchmarks measure
 * durable commits, as production has them.
 */
export async function benchPostgres(): Promise<BenchPostgres> {
  const name = `bistand_bench_${randomBytes(5).toString('hex')}`;
  const external = process.env.DATABASE_URL;
  if (external) {
    await ensureDatabase(external, name);
    const url = databaseUrl(external, name);
    return { url, description: `${await serverVersion(url)} at ${new URL(external).host}`, stop: () => dropDatabase(external, name) };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'bistand-bench-'));
  const running = await startEmbeddedPostgres({ dataDir, settings: { max_connections: '200' } });
  await ensureDatabase(running.url, name);
  const url = databaseUrl(running.url, name);
  return {
    url,
    description: `embedded ${await serverVersion(url)}`,
    stop: async () => {
      await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function serverVersion(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return `PostgreSQL ${rows[0].server_version}`;
  } finally {
    await client.end();
  }
}
