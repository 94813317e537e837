import { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { Projector } from '@bistand/projections/projector';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { readModelSnapshot } from './support/read-model-snapshot';
import { eventually } from './support/parked';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * A varied history through one app: offers, acceptances, placements, refusals, withdrawals. Every
 * command has finished (or failed) when it returns; it returns how many commands failed.
 */
async function history(s: Scenario, requests: number): Promise<number> {
  const facilityId = await s.facility({ places: 100 });
  const outcomes = await Promise.allSettled(
    Array.from({ length: requests }, async (_, i) => {
      const requestId = await s.request();
      const offer = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03' });
      if (offer.status !== 201) return;
      const offerId = offer.body.offerId;
      if (i % 3 === 0) await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/refuse`, 'tromso', { reason: 'not_matching_needs' });
      else if (i % 3 === 1) {
        await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso');
        await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
      } else await s.post(`/v1/placement-requests/${requestId}/withdraw`, 'tromso', { reason: 'resolved' });
    }),
  );
  return outcomes.filter((outcome) => outcome.status === 'rejected').length;
}

async function parkedCount(url: string): Promise<number> {
  const pool = new Pool({ connectionString: url, options: '-c search_path=read_models' });
  try {
    return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_parked_events')).rows[0].n;
  } finally {
    await pool.end();
  }
}

/** The read models a rebuild from the same events writes: the reference every live path must equal. */
async function expectEqualToRebuild(testApp: TestApp): Promise<void> {
  const live = await readModelSnapshot(testApp.database.url);
  await rebuildReadModels({ store: testApp.app.get<EventStore>(EVENT_STORE), databaseUrl: testApp.database.url, projections: ALL_PROJECTIONS });
  expect(await readModelSnapshot(testApp.database.url)).toEqual(live);
}

describe('the projector under transient failures (PRODUCT.md §9): retried with backoff, never parked', () => {
  let testApp: TestApp;
  let s: Scenario;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    await history(s, 6);
    expect(await testApp.app.get(Projector).catchUp(30_000)).toBe(true);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('parks nothing when its own database connection is killed in the middle of applying a batch, and resumes to the same rows', async () => {
    const before = await readModelSnapshot(testApp.database.url);
    const pool = new Pool({ connectionString: testApp.database.url, options: '-c search_path=read_models' });
    pool.on('error', () => undefined);
    try {
      await testApp.app.get(Projector).stop();
      await pool.query('UPDATE rm_checkpoints SET position = 0');
      const { rows: tables } = await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'read_models' AND table_name NOT IN ('rm_schema_migrations', 'rm_checkpoints')`,
      );
      await pool.query(`TRUNCATE ${tables.map((t) => t.table_name).join(', ')}`);
      let kills = 0;
      const killed = ALL_PROJECTIONS.map((projection) => ({
        ...projection,
        apply: async (client: Parameters<typeof projection.apply>[0], events: Parameters<typeof projection.apply>[1]) => {
          await projection.apply(client, events);
          // The server ends this very connection mid-transaction (57P01), as a restart or an operator's pg_terminate_backend would.
          if (kills++ < 4) await client.query('SELECT pg_terminate_backend(pg_backend_pid())');
        },
      }));
      const projector = new Projector(testApp.app.get<EventStore>(EVENT_STORE), pool, killed);
      await projector.start();
      expect(await projector.catchUp(60_000)).toBe(true);
      await projector.stop();
      expect(kills).toBeGreaterThan(4);
      expect(await parkedCount(testApp.database.url)).toBe(0);
      expect(await readModelSnapshot(testApp.database.url)).toEqual(before);
    } finally {
      await pool.end();
      await testApp.app.get(Projector).start();
    }
  });

  it('parks nothing when every connection of the app is terminated while commands run, and the read models catch up', async () => {
    const admin = new Pool({ connectionString: testApp.database.url, max: 1 });
    admin.on('error', () => undefined);
    try {
      // Commands may fail while their connection dies: not what is tested here.
      const load = history(s, 10).catch(() => undefined);
      for (let i = 0; i < 5; i++) {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await load;
      await eventually(async () => ((await testApp.app.get(Projector).catchUp(1_000).catch(() => false)) ? true : undefined), 'the projector to catch up', 60_000);
      expect(await parkedCount(testApp.database.url)).toBe(0);
      const ready = await eventually(async () => {
        const response = await s.http().get('/health/ready');
        return response.body.checks?.readModels?.status === 'ready' ? response.body : undefined;
      }, 'readModels ready again', 60_000);
      expect(ready.checks.parkedEvents.status).toBe('ready');
      await expectEqualToRebuild(testApp);
    } finally {
      await admin.end();
    }
  });
});

describe('two projectors on one database (two app instances)', () => {
  let first: TestApp;
  let second: TestApp;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ database: first.database });
  });
  afterAll(async () => {
    await second.close({ keepDatabase: true });
    await first.close();
  });

  it('apply every event once: both follow the same commands, nothing is parked, and the rows equal a rebuild', async () => {
    await Promise.all([history(new Scenario(first), 12), history(new Scenario(second), 12)]);
    for (const app of [first, second]) expect(await app.app.get(Projector).catchUp(60_000)).toBe(true);
    expect(await parkedCount(first.database.url)).toBe(0);
    await expectEqualToRebuild(first);
  });
});
