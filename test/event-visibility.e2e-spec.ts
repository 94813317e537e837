import { Client } from 'pg';
import { oldestVisibilityHolder, HOLDER_DEGRADED_SECONDS } from '@bistand/event-store/postgres/visibility';
import { Scenario } from './support/scenario';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { startTestApp, type TestApp } from './support/test-app';
import { waitUntil } from './support/wait-until';

interface VisibilityReport {
  status: string;
  heldBackEvents: number;
  oldestTransaction: { pid: number | null; applicationName: string | null; state: string | null; ageSeconds: number; own: boolean } | null;
}

/**
 * Issue 8, point 4 (operators): readers of the event store see only events below the oldest open
 * transaction id of the whole cluster, so an operator's writing transaction left open holds every
 * projection back. /health/ready must say so, and say whose it is.
 */
describe('an open writing transaction elsewhere in the cluster', () => {
  let testApp: TestApp;
  let s: Scenario;
  let operator: Client;
  let cluster: PrivatePostgres;

  beforeAll(async () => {
    // Its own cluster: the operator's open transaction would hold back every other test file.
    cluster = await startPrivatePostgres();
    testApp = await startTestApp({ database: await cluster.createDatabase() });
    s = new Scenario(testApp);
    operator = new Client({ connectionString: testApp.database.url, application_name: 'psql-operator' });
    await operator.connect();
    await operator.query('CREATE TABLE operator_notes (note text)');
  });
  afterAll(async () => {
    await operator.end().catch(() => undefined);
    await testApp.close();
    await cluster.stop();
  });

  const visibility = async (): Promise<VisibilityReport> => {
    const response = await s.http().get('/health/ready');
    return response.body.checks.eventVisibility;
  };

  it('shows in /health/ready (degraded, whose, how old) and /metrics while it holds projections back; ready once it ends', async () => {
    const pid = (await operator.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await operator.query('BEGIN');
    await operator.query(`INSERT INTO operator_notes VALUES ('fixing something by hand')`);

    // A command's effect now waits for the operator: the store does not show its event yet.
    const filed = await s.post('/v1/placement-requests', 'tromso', s.requestBody());
    expect(filed.status).toBe(201);
    const held = await s.get(`/v1/placement-requests/${filed.body.id}`, 'tromso').set('X-Min-Position', filed.body.position);
    expect(held.status).toBe(503);
    expect(held.body.code).toBe('READ_MODEL.BEHIND');

    const report = await waitUntil(
      async () => {
        const current = await visibility();
        return current.status === 'degraded' && current.oldestTransaction?.pid === pid ? current : undefined;
      },
      30_000,
      'eventVisibility to report the operator transaction as degraded',
    );
    expect(report.oldestTransaction).toMatchObject({ pid, applicationName: 'psql-operator', state: 'idle in transaction', own: false });
    expect(report.oldestTransaction!.ageSeconds).toBeGreaterThan(HOLDER_DEGRADED_SECONDS);
    expect(report.heldBackEvents).toBeGreaterThanOrEqual(1); // the command's event, committed but not yet visible
    const ready = await s.http().get('/health/ready');
    expect(ready.status).toBe(200); // degraded: the API answers, a person should look
    expect(ready.body.status).toBe('degraded');
    const metrics = await s.http().get('/metrics');
    const age = Number(/^bistand_event_store_oldest_transaction_age_seconds (\S+)$/m.exec(metrics.text)?.[1]);
    expect(age).toBeGreaterThan(HOLDER_DEGRADED_SECONDS);
    expect(Number(/^bistand_event_store_held_back_events (\S+)$/m.exec(metrics.text)?.[1])).toBeGreaterThanOrEqual(1);

    await operator.query('COMMIT');
    // Nothing was lost: the command's effect is readable, and the check is ready again.
    const view = await s.get(`/v1/placement-requests/${filed.body.id}`, 'tromso').set('X-Min-Position', filed.body.position);
    expect(view.status).toBe(200);
    const after = await waitUntil(async () => {
      const current = await visibility();
      return current.status === 'ready' ? current : undefined;
    }, 30_000, 'eventVisibility to be ready again');
    expect(after.oldestTransaction?.pid).not.toBe(pid);
  }, 90_000);

  it("tells the product's own connections (application_name bistand-...) from others'", async () => {
    const rebuild = new Client({ connectionString: testApp.database.url, application_name: 'bistand-rebuild' });
    await rebuild.connect();
    try {
      const pid = (await rebuild.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      await rebuild.query('BEGIN');
      await rebuild.query('SELECT pg_current_xact_id()'); // takes a transaction id, as a write would
      const holder = await waitUntil(async () => {
        const found = await oldestVisibilityHolder(operator);
        return found?.pid === pid ? found : undefined;
      }, 30_000, 'the rebuild connection to be the oldest holder');
      expect(holder).toMatchObject({ applicationName: 'bistand-rebuild', own: true, state: 'idle in transaction' });
      await rebuild.query('COMMIT');
    } finally {
      await rebuild.end();
    }
  });
});
