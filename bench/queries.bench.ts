import { Client } from 'pg';
import { PostgresEventStore } from '@bistand/event-store/postgres/postgres-event-store';
import { READ_MODEL_SCHEMA } from '@bistand/projections/read-model-schema';
import { tablesOf } from '@bistand/projections/rebuild';
import { benchPostgres } from './support/bench-postgres';
import { percentile, startBenchApp } from './support/bench-app';
import { generateNationalYear } from './support/dataset';

async function vacuumReadModels(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of await tablesOf(client, READ_MODEL_SCHEMA)) await client.query(`VACUUM ANALYZE ${READ_MODEL_SCHEMA}.${table}`);
  } finally {
    await client.end();
  }
}

const TARGET_P95_MS = 20;
/** Answers per case before measuring. */
const WARM_UP = 20;

/**
 * `npm run bench -- queries [--events N] [--requests N]`: p95 of the breach list, the statistics and
 * capacity `asOf` with a year of national data loaded (200,000 events by default).
 */
export async function main(args: string[]): Promise<void> {
  const value = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const events = value('--events', 200_000);
  const requests = value('--requests', 200);
  const postgres = await benchPostgres();
  const store = await PostgresEventStore.connect({ connectionString: postgres.url });
  try {
    console.log(`queries benchmark on ${postgres.description}`);
    const generated = await generateNationalYear(store, events, 8, console.log);
    const bench = await startBenchApp(postgres.url);
    try {
      const started = performance.now();
      if (!(await bench.projector.catchUp(600_000))) throw new Error('read models did not catch up');
      console.log(`${generated.toLocaleString('en-US')} events loaded and projected (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      // A year loaded in half a minute leaves what autovacuum would have tidied over that year: do it now.
      await vacuumReadModels(postgres.url);
      console.log('read models vacuumed and analysed (the state autovacuum keeps a year-old database in)');
      const auditor = bench.token({ role: 'auditor', sub: 'bench-auditor' });
      const regions = ['ost', 'sor', 'vest', 'midt', 'nord', 'oslo'];
      const instant = (i: number) => new Date(Date.parse('2025-01-01T00:00:00Z') + ((i * 7_919) % 360) * 86_400_000).toISOString();
      const cases: [string, (i: number) => string][] = [
        ['breach list (page of 50)', (i) => `/v1/breaches?limit=50${i % 2 ? `&region=${regions[i % 6]}` : ''}`],
        ['breach list asOf + filters', (i) => `/v1/breaches?limit=50&asOf=${instant(i)}&type=NO_OFFER_DECLARED`],
        ['stats by region', (i) => `/v1/breaches/stats?groupBy=region${i % 2 ? '&from=2025-03-01&to=2025-09-01' : ''}`],
        ['stats by region, ragged', (i) => `/v1/breaches/stats?groupBy=region&from=${instant(i)}&to=${new Date(Date.parse(instant(i)) + 75 * 86_400_000 + 3_600_000).toISOString()}`],
        ['stats by month', () => `/v1/breaches/stats?groupBy=month`],
        ['stats by municipality', () => `/v1/breaches/stats?groupBy=municipality`],
        ['capacity asOf', (i) => `/v1/capacity?asOf=${instant(i)}`],
      ];
      for (const [name, path] of cases) {
        const timings: number[] = [];
        // The first answers of each case compile its code paths and warm the pool's connections: not measured.
        for (let i = -WARM_UP; i < requests; i++) {
          const t0 = performance.now();
          const response = await fetch(`${bench.baseUrl}${path(Math.abs(i))}`, { headers: { authorization: auditor } });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`${path(Math.abs(i))}: ${response.status}`);
          if (i >= 0) timings.push(performance.now() - t0);
        }
        const p95 = percentile(timings, 95);
        console.log(`  ${name.padEnd(28)} p50 ${percentile(timings, 50).toFixed(1).padStart(6)} ms  p95 ${p95.toFixed(1).padStart(6)} ms  ${p95 < TARGET_P95_MS ? 'PASS' : 'MISS'} (target < ${TARGET_P95_MS} ms)`);
      }
    } finally {
      await bench.close();
    }
  } finally {
    await store.close();
    await postgres.stop();
  }
}
