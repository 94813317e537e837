import { Client } from 'pg';
import { Scenario } from './support/scenario';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { startTestApp, type TestApp } from './support/test-app';
import type { TestDatabase } from './support/test-database';
import { waitUntil } from './support/wait-until';

/**
 * Found while model-testing (issue 8): the event store's readers see events below the oldest open
 * transaction id, and transaction ids are shared by every database of a PostgreSQL server. So a
 * writing transaction left open in ANOTHER database of the same server holds Bistand's projections
 * back too. The README says so and tells operators to give Bistand a server of its own; this test
 * holds it to what it says: the holder is named in /health/ready, and nothing is lost once it ends.
 * On a cluster of its own, so it holds back no other test file.
 */
describe('a long transaction in another database of the same PostgreSQL server', () => {
  let cluster: PrivatePostgres;
  let testApp: TestApp;
  let s: Scenario;
  let neighbour: TestDatabase;
  let session: Client;

  beforeAll(async () => {
    cluster = await startPrivatePostgres();
    testApp = await startTestApp({ database: await cluster.createDatabase() });
    s = new Scenario(testApp);
    neighbour = await cluster.createDatabase();
    session = new Client({ connectionString: neighbour.url, application_name: 'another-application' });
    await session.connect();
  });
  afterAll(async () => {
    await session?.query('ROLLBACK').catch(() => undefined);
    await session?.end();
    await neighbour?.drop();
    await testApp?.close();
    await cluster?.stop();
  });

  it('is named in /health/ready (eventVisibility degraded, its database, not Bistand’s own) and, once it ends, every held-back effect is readable', async () => {
    await session.query('BEGIN');
    await session.query('SELECT pg_current_xact_id()'); // takes a transaction id, as any write would
    const pid = (await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;

    const filed = await s.post('/v1/placement-requests', 'tromso', s.requestBody());
    expect(filed.status).toBe(201); // commands are still answered: the append does not wait

    const report = await waitUntil(
      async () => {
        const check = (await s.http().get('/health/ready')).body.checks.eventVisibility;
        return check.status === 'degraded' && check.oldestTransaction?.pid === pid ? check : undefined;
      },
      30_000,
      'eventVisibility to name the neighbour’s transaction',
    );
    expect(report.oldestTransaction).toMatchObject({ pid, applicationName: 'another-application', own: false });
    expect(report.oldestTransaction.database).not.toBe(new URL(testApp.database.url).pathname.slice(1));
    expect(report.heldBackEvents).toBeGreaterThanOrEqual(1);

    await session.query('ROLLBACK');
    const read = await s.get(`/v1/placement-requests/${filed.body.id}`, 'tromso').set('X-Min-Position', filed.body.position);
    expect(read.status).toBe(200);
    const listed = await s.http().get('/v1/placement-requests?municipality=5501&limit=5').set('Authorization', s.as('tromso')).set('X-Min-Position', filed.body.position);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(filed.body.id);
  }, 60_000);
});
