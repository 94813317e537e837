import { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { Projector } from '@bistand/projections/projector';
import { rebuildReadModels, type RebuildProgress } from '@bistand/projections/rebuild';
import { readModelSnapshot } from './support/read-model-snapshot';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

describe('rebuilding the read models', () => {
  let testApp: TestApp;
  let s: Scenario;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    // A varied history: placements, refusals, a retracted deadline miss, a suspended facility.
    await s.placed();
    const { requestId } = await s.placed();
    await s.post(`/v1/placement-requests/${requestId}/placement/end`, 'tromso', { endedAt: new Date().toISOString(), reason: 'planned' });
    const facilityId = await s.facility({ kind: 'foster_home' });
    const refusedRequest = await s.request();
    const offerId = await s.offer(refusedRequest, facilityId);
    await s.post(`/v1/placement-requests/${refusedRequest}/offers/${offerId}/refuse`, 'tromso', { reason: 'not_matching_needs' });
    await s.post(`/v1/facilities/${facilityId}/suspend`, 'nordCoordinator', { reason: 'staff' });
    const declared = await s.request();
    await s.post(`/v1/placement-requests/${declared}/no-offer`, 'nordCoordinator', { reason: 'none' });
    await testApp.app.get(Projector).catchUp(5_000);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('yields identical rows, table by table, while the API keeps answering; then follows on live', async () => {
    const before = await readModelSnapshot(testApp.database.url);
    expect(before.rm_breaches.length).toBeGreaterThan(0);
    expect(before.rm_requests.length).toBeGreaterThan(0);
    expect(before.rm_capacity_history.length).toBeGreaterThan(0);
    expect(before.rm_stats_region.length).toBeGreaterThan(0);
    expect(before.rm_stats_region_offer_delays.length).toBeGreaterThan(0);

    const progress: RebuildProgress[] = [];
    const answersDuring: Promise<{ status: number; body: { items: unknown[] } }>[] = [];
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    const result = await rebuildReadModels({
      store,
      databaseUrl: testApp.database.url,
      projections: ALL_PROJECTIONS,
      onProgress: (p) => {
        progress.push(p);
        // Asked while the rebuild runs: answered completely, never from half-filled tables.
        answersDuring.push(s.get('/v1/breaches?limit=500&includeRetracted=true', 'auditor'));
      },
    });
    expect(result.events).toBeGreaterThan(10);
    expect(progress.at(-1)?.events).toBe(result.events);
    const answered = await Promise.all(answersDuring);
    expect(answered.length).toBeGreaterThan(0);
    for (const answer of answered) {
      expect(answer.status).toBe(200);
      expect(answer.body.items).toHaveLength(before.rm_breaches.length);
    }

    expect(await readModelSnapshot(testApp.database.url)).toEqual(before);

    // The live projector follows on into the rebuilt tables.
    const requestId = await s.request();
    const declared = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'none' });
    const view = await s.http().get(`/v1/placement-requests/${requestId}`).set('Authorization', s.as('auditor')).set('X-Min-Position', declared.body.position);
    expect(view.status).toBe(200);
    expect(view.body.breaches.map((b: { type: string }) => b.type)).toEqual(['NO_OFFER_DECLARED']);
  });

  it('leaves the live read models alone when a rebuild fails after committing rows to its fresh tables', async () => {
    const before = await readModelSnapshot(testApp.database.url);
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    // The fresh tables are written in short, committed COPYs (an event the fold cannot apply is
    // parked, not a failure): the requests' rows are all in when the rebuild fails, the capacity's may be mid-COPY.
    const failing = ALL_PROJECTIONS.map((projection) =>
      projection.name === 'requests-and-breaches'
        ? {
            ...projection,
            rebuild: (tables: Parameters<typeof projection.rebuild>[0]) => {
              const rebuild = projection.rebuild(tables);
              return {
                ...rebuild,
                write: async () => {
                  await rebuild.write();
                  throw new Error('write failed');
                },
              };
            },
          }
        : projection,
    );
    await expect(rebuildReadModels({ store, databaseUrl: testApp.database.url, projections: failing })).rejects.toThrow('write failed');
    expect(await readModelSnapshot(testApp.database.url)).toEqual(before);
    const answer = await s.get('/v1/breaches?limit=500&includeRetracted=true', 'auditor');
    expect(answer.status).toBe(200);
    expect(answer.body.items).toHaveLength(before.rm_breaches.length);
    // And the next rebuild starts over cleanly.
    await rebuildReadModels({ store, databaseUrl: testApp.database.url, projections: ALL_PROJECTIONS });
    expect(await readModelSnapshot(testApp.database.url)).toEqual(before);
  });

  it('resumes after a projection fails mid-batch without applying anything twice', async () => {
    const before = await readModelSnapshot(testApp.database.url);
    const pool = new Pool({ connectionString: testApp.database.url, options: '-c search_path=read_models' });
    try {
      await pool.query('UPDATE rm_checkpoints SET position = 0');
      const { rows: tables } = await pool.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'read_models' AND table_name NOT IN ('rm_schema_migrations', 'rm_checkpoints')`,
      );
      await pool.query(`TRUNCATE ${tables.map((t) => t.table_name).join(', ')}`);
      let failures = 0;
      const flaky = ALL_PROJECTIONS.map((projection) => ({
        ...projection,
        apply: async (client: Parameters<typeof projection.apply>[0], events: Parameters<typeof projection.apply>[1]) => {
          await projection.apply(client, events);
          // A transient failure (the connection killed mid-batch, 57P01): retried, never parked.
          if (failures++ < 2) throw Object.assign(new Error('killed mid-batch'), { code: '57P01' });
        },
      }));
      const store = testApp.app.get<EventStore>(EVENT_STORE);
      const projector = new Projector(store, pool, flaky);
      await testApp.app.get(Projector).stop();
      await projector.start();
      expect(await projector.catchUp(10_000)).toBe(true);
      await projector.stop();
      expect(failures).toBeGreaterThan(2);
      expect(await readModelSnapshot(testApp.database.url)).toEqual(before);
    } finally {
      await pool.end();
    }
  });
});
