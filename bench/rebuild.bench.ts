import { Client } from 'pg';
import { PostgresEventStore } from '@bistand/event-store/postgres/postgres-event-store';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { benchPostgres } from './support/bench-postgres';
import { generateNationalYear } from './support/dataset';

const TARGET_RATIO = 0.3;

/**
 * `npm run bench -- rebuild [--events N]`: generates a year of a national mix (200,000 events by
 * default), rebuilds every read model from it, and compares the rate with merely reading the
 * events from the store (the ceiling).
 */
export async function main(args: string[]): Promise<void> {
  const eventsArg = args.indexOf('--events');
  const target = eventsArg >= 0 ? Number(args[eventsArg + 1]) : 200_000;
  const postgres = await benchPostgres();
  const store = await PostgresEventStore.connect({ connectionString: postgres.url, poolSize: 10 });
  try {
    console.log(`rebuild benchmark on ${postgres.description}`);
    const generated = await generateNationalYear(store, target, 8, console.log);
    console.log(`generated ${generated.toLocaleString('en-US')} events`);
    // Settle the store first, so neither measurement pays for the generator's aftermath (autovacuum of
    // 200,000 fresh rows, dirty pages): a year-old store is in this state.
    await settle(postgres.url);

    const readStarted = process.hrtime.bigint();
    let read = 0;
    for (let after = 0n; ; ) {
      const batch = await store.readAll({ after, maxCount: 2_000 });
      if (batch.length === 0) break;
      read += batch.length;
      after = batch[batch.length - 1].position;
    }
    const readSeconds = Number(process.hrtime.bigint() - readStarted) / 1e9;

    const phases: [string, number][] = [];
    const mark = (phase: string) => () => phases.push([phase, Number(process.hrtime.bigint() - readStarted) / 1e9]);
    mark('start')();
    const rebuilt = await rebuildReadModels({ store, databaseUrl: postgres.url, projections: ALL_PROJECTIONS, onWriting: mark('writing') });
    mark('end')();
    const readRate = read / readSeconds;
    const rebuildRate = rebuilt.events / rebuilt.seconds;
    console.log(`\nread all events (ceiling): ${read.toLocaleString('en-US')} events in ${readSeconds.toFixed(1)} s = ${Math.round(readRate).toLocaleString('en-US')} events/s`);
    console.log(`rebuild all read models:   ${rebuilt.events.toLocaleString('en-US')} events in ${rebuilt.seconds.toFixed(1)} s = ${Math.round(rebuildRate).toLocaleString('en-US')} events/s`);
    const took = (from: string, to: string) => (phases.find(([p]) => p === to)![1] - phases.find(([p]) => p === from)![1]).toFixed(1);
    console.log(`  reading and folding ${took('start', 'writing')} s, writing rows with their indexes and planner statistics ${took('writing', 'end')} s`);
    const ratio = rebuildRate / readRate;
    console.log(`rebuild / ceiling = ${ratio.toFixed(2)} ${ratio >= TARGET_RATIO ? 'PASS' : 'MISS'} (target ≥ ${TARGET_RATIO})`);
  } finally {
    await store.close();
    await postgres.stop();
  }
}

async function settle(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE) es_events');
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}
