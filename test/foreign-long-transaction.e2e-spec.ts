import { Client } from 'pg';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * Found while model-testing (issue 8, closing note): the event store's visibility bound is
 * `pg_snapshot_xmin(pg_current_snapshot())`, and transaction ids are shared by every database of a
 * PostgreSQL server. So a long transaction in ANOTHER database of the same server (another app on a
 * shared managed server, an operator's session, another test file) holds back Bistand's projector:
 * reads with X-Min-Position wait and 503, offers wait for the capacity figures and 503
 * READ_MODEL.BEHIND. This test opens such a transaction next door and asks for a read of our own
 * write.
 */
describe('a long transaction in another database of the same PostgreSQL server', () => {
  let testApp: TestApp;
  let s: Scenario;
  let neighbour: TestDatabase;
  let session: Client;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    neighbour = await createTestDatabase();
    session = new Client({ connectionString: neighbour.url });
    await session.connect();
  });
  afterAll(async () => {
    await session?.query('ROLLBACK').catch(() => undefined);
    await session?.end();
    await neighbour?.drop();
    await testApp?.close();
  });

  // Known limitation (reported in /tmp/bugs-models.md #2): the bound is cluster-wide. Flip to `it`
  // once the store's visibility bound ignores transactions of other databases (or the README states
  // that Bistand needs a PostgreSQL server of its own, and this test is deleted).
  it.failing('does not hold back this database’s read models: a command’s effect is readable within 5 s', async () => {
    await session.query('BEGIN');
    await session.query('SELECT pg_current_xact_id()'); // takes a transaction id, as any write would
    const requestId = await s.request();
    const declared = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'none' });
    expect(declared.status).toBe(200);
    const read = await s.http().get(`/v1/placement-requests?municipality=5501&limit=5`).set('Authorization', s.as('auditor')).set('X-Min-Position', declared.body.position);
    await session.query('ROLLBACK');
    expect(read.status).toBe(200);
  }, 20_000);
});
