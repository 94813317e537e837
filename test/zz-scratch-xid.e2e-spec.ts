import { Pool } from 'pg';
import { PostgresEventStore } from '@bistand/event-store/postgres/postgres-event-store';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { generateNationalYear } from '../bench/support/dataset';
import { createTestDatabase } from './support/test-database';

it('measures', async () => {
  const db = await createTestDatabase();
  const store = await PostgresEventStore.connect({ connectionString: db.url });
  const t0 = Date.now();
  await generateNationalYear(store, Number(process.env.N ?? 100_000), 8);
  console.log('generated in', Date.now() - t0);
  const pool = new Pool({ connectionString: db.url, max: 1 });
  const seen = new Map<string, { first: number; last: number; age: number; query: string }>();
  let on = true;
  const sampler = (async () => {
    while (on) {
      const { rows } = await pool.query(`SELECT pid, backend_xid::text AS xs, extract(epoch FROM clock_timestamp() - xact_start) AS age, query FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND datname = current_database() AND pid <> pg_backend_pid()`);
      for (const r of rows) {
        const key = `${r.pid}/${r.xs}`;
        const prev = seen.get(key);
        const now = Date.now();
        if (!prev) seen.set(key, { first: now, last: now, age: 0, query: String(r.query).slice(0, 100).replace(/\s+/g, ' ') });
        else { prev.last = now; prev.age = (now - prev.first) / 1000; }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  for (let round = 0; round < Number(process.env.ROUNDS ?? 1); round++) {
    seen.clear();
    const t1 = Date.now();
    let writing = 0;
    const result = await rebuildReadModels({ store, databaseUrl: db.url, projections: ALL_PROJECTIONS, onWriting: () => (writing = Date.now()) });
    console.log('rebuild', result, 'fold', writing - t1, 'write', Date.now() - writing);
    console.log([...seen.values()].sort((a, b) => b.age - a.age).slice(0, 25).map((v) => `${v.age.toFixed(3)} ${v.query}`).join('\n'));
  }
  on = false;
  await sampler;
  await pool.end();
  await store.close();
  await db.drop();
}, 300_000);
