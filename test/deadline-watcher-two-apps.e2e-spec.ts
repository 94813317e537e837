import { Pool } from 'pg';
import { DeadlineWatcher } from '@bistand/commands/deadline-watcher/deadline-watcher';
import { Projector } from '@bistand/projections/projector';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';
import { inChunks, waitUntil } from './support/wait-until';

/**
 * Two instances of the app on one database run two deadline watchers at once (PRODUCT.md §10):
 * every passed deadline is still judged once, and losing a race is not a failure.
 */
describe('two deadline watchers on one database', () => {
  let first: TestApp;
  let second: TestApp;
  let sql: Pool;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ database: first.database });
    sql = new Pool({ connectionString: first.database.url, max: 2 });
  });
  afterAll(async () => {
    await sql.end();
    await second.close({ keepDatabase: true });
    await first.close();
  });

  async function missesPerStream(requestIds: string[]): Promise<number[]> {
    const { rows } = await sql.query<{ misses: string }>(
      `SELECT count(*) AS misses FROM es_events WHERE type = 'OfferDeadlineMissed' AND stream_id = ANY ($1::text[]) GROUP BY stream_id`,
      [requestIds.map(placementRequestStream)],
    );
    return rows.map((row) => Number(row.misses));
  }

  it('appends each OfferDeadlineMissed once for 200 requests sharing a deadline, judged by both watchers at once', async () => {
    const apps = [new Scenario(first), new Scenario(second)];
    const watchers = [first.app.get(DeadlineWatcher), second.app.get(DeadlineWatcher)];
    const occurredAt = new Date(Math.floor((Date.now() - 3 * 3_600_000) / 1000) * 1000).toISOString();
    const requestIds = await inChunks(Array.from({ length: 200 }, (_, i) => i), 10, (i) => apps[i % 2].request({ occurredAt }));

    // Besides their own timers, make both sweep the same rows at the same moment, twice.
    await first.app.get(Projector).catchUp(60_000);
    const due = new Date(Date.now() + 5_000);
    for (let round = 0; round < 2; round++) await Promise.all([watchers[0].sweep(due), watchers[1].sweep(due), watchers[0].sweep(due), watchers[1].sweep(due)]);

    await waitUntil(async () => (await missesPerStream(requestIds)).length === requestIds.length, 180_000, 'a miss on every request', 500);
    // Both keep sweeping; give each a full sweep after every row was judged before counting.
    const judgedAt = Date.now();
    await waitUntil(async () => watchers.every((watcher) => (watcher.health.lastSweepAt?.getTime() ?? 0) > judgedAt + 1_000), 60_000, 'a sweep of each watcher after the judgements');

    const misses = await missesPerStream(requestIds);
    expect(misses).toHaveLength(200);
    expect(misses.every((count) => count === 1)).toBe(true);
    expect(watchers[0].health.failuresTotal + watchers[1].health.failuresTotal).toBe(0);

    const breaches = await waitUntil(
      async () => {
        const page = await apps[0].get('/v1/breaches?type=NO_OFFER_BEFORE_DEADLINE&limit=500', 'auditor');
        const mine = page.body.items.filter((breach: { requestId: string }) => requestIds.includes(breach.requestId));
        return mine.length >= 200 && mine;
      },
      60_000,
      '200 breaches in the register',
      500,
    );
    expect(breaches).toHaveLength(200);
    for (const app of [first, second]) {
      const ready = await apps[app === first ? 0 : 1].http().get('/health/ready');
      expect(ready.body.checks.deadlineWatcher).toMatchObject({ status: 'ready', failingRows: 0 });
    }
  }, 600_000);
});
