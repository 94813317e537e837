import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { DeadlineWatcher } from '@bistand/commands/deadline-watcher/deadline-watcher';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import { READ_MODEL_SCHEMA } from '@bistand/projections/read-model-schema';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';
import { inChunks, waitUntil } from './support/wait-until';

const DAY_MS = 86_400_000;
/** A whole-second instant some hours back, shared by many requests: their deadlines coincide. */
const sharedInstant = (hoursBack: number) => new Date(Math.floor((Date.now() - hoursBack * 3_600_000) / 1000) * 1000).toISOString();

/**
 * PRODUCT.md §4: each request is judged on its own. Many requests share one deadline instant, and
 * a request the watcher cannot judge never delays another's judgement; the watcher's health shows
 * in /health/ready and /metrics.
 */
describe('the deadline watcher judges every request on its own', () => {
  let testApp: TestApp;
  let s: Scenario;
  let sql: Pool;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    sql = new Pool({ connectionString: testApp.database.url, max: 2 });
  });
  afterAll(async () => {
    await sql.end();
    await testApp.close();
  });

  async function fileAll(count: number, overrides: Record<string, unknown>): Promise<string[]> {
    return inChunks(Array.from({ length: count }, (_, i) => i), 20, () => s.request(overrides));
  }

  /** How many OfferDeadlineMissed each of these requests' streams holds. */
  async function missesPerStream(requestIds: string[]): Promise<Map<string, number>> {
    const { rows } = await sql.query<{ stream_id: string; misses: string }>(
      `SELECT stream_id, count(*) AS misses FROM es_events WHERE type = 'OfferDeadlineMissed' AND stream_id = ANY ($1::text[]) GROUP BY stream_id`,
      [requestIds.map(placementRequestStream)],
    );
    return new Map(rows.map((row) => [row.stream_id, Number(row.misses)]));
  }

  /** Every NO_OFFER_BEFORE_DEADLINE breach of the register, through the API, page by page. */
  async function deadlineBreaches(): Promise<{ id: string; requestId: string; occurredAt: string }[]> {
    const all = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string; requestId: string; occurredAt: string }[]; nextCursor: string | null } } = await s
        .http()
        .get(`/v1/breaches?type=NO_OFFER_BEFORE_DEADLINE&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .set('Authorization', s.as('auditor'));
      expect(page.status).toBe(200);
      all.push(...page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return all;
  }

  async function breachesOf(requestIds: string[]) {
    const wanted = new Set(requestIds);
    return (await deadlineBreaches()).filter((breach) => wanted.has(breach.requestId));
  }

  it('records NO_OFFER_BEFORE_DEADLINE for each of 500 acute requests filed for the same instant, one OfferDeadlineMissed per stream', async () => {
    const occurredAt = sharedInstant(3);
    const requestIds = await fileAll(500, { occurredAt });
    expect(new Set(requestIds).size).toBe(500);

    const misses = await waitUntil(
      async () => {
        const found = await missesPerStream(requestIds);
        return found.size === requestIds.length && found;
      },
      240_000,
      'an OfferDeadlineMissed on each of the 500 requests',
      500,
    );
    expect([...misses.values()].every((count) => count === 1)).toBe(true);

    const breaches = await waitUntil(
      async () => {
        const found = await breachesOf(requestIds);
        return found.length >= requestIds.length && found;
      },
      120_000,
      '500 breaches in the register',
      1_000,
    );
    expect(new Set(breaches.map((breach) => breach.requestId)).size).toBe(500);
    expect(breaches).toHaveLength(500);
    const deadline = new Date(Date.parse(occurredAt) + 2 * 3_600_000).toISOString();
    expect(new Set(breaches.map((breach) => breach.occurredAt))).toEqual(new Set([deadline]));

    // Later sweeps append nothing more.
    const health = testApp.app.get(DeadlineWatcher).health;
    const sweptBefore = health.lastSweepAt?.getTime() ?? 0;
    await waitUntil(async () => (health.lastSweepAt?.getTime() ?? 0) > sweptBefore, 30_000, 'one more sweep');
    expect([...(await missesPerStream(requestIds)).values()].every((count) => count === 1)).toBe(true);
  }, 600_000);

  it('records NO_OFFER_BEFORE_DEADLINE for each planned request sharing a neededBy, at that instant', async () => {
    const neededBy = new Date(Date.now() - 30 * DAY_MS).toISOString().slice(0, 10);
    // Filed 45 to 60 days back: their tenth working day lies before neededBy, so all share neededBy as deadline.
    const requestIds = await inChunks(Array.from({ length: 30 }, (_, i) => i), 10, (i) =>
      s.request({ urgency: 'planned', neededBy, occurredAt: new Date(Date.now() - (60 - i / 2) * DAY_MS).toISOString() }),
    );
    const breaches = await waitUntil(
      async () => {
        const found = await breachesOf(requestIds);
        return found.length >= requestIds.length && found;
      },
      120_000,
      'a breach for each planned request',
      500,
    );
    expect(breaches).toHaveLength(30);
    expect(new Set(breaches.map((breach) => breach.occurredAt)).size).toBe(1);
    expect([...(await missesPerStream(requestIds)).values()]).toEqual(Array(30).fill(1));
  }, 300_000);

  it('judges every other request while some rows fail for good, and shows them in /health/ready (degraded) and /metrics', async () => {
    // 150 rows the watcher cannot judge (no stream behind them), due before everything else: more than a page.
    const phantoms = Array.from({ length: 150 }, () => randomUUID());
    await sql.query(
      `INSERT INTO ${READ_MODEL_SCHEMA}.rm_requests (request_id, municipality, region, urgency, status, requested_at, recorded_at, offer_deadline, deadline_policy, deadline_state, state, position)
       SELECT id, '5501', 'nord', 'acute', 'requested', '2000-01-01T08:00:00Z', '2000-01-01T08:00:00Z', '2000-01-01T10:00:00Z', '2025-1', 'pending', '{}'::jsonb, 0
         FROM unnest($1::uuid[]) AS id`,
      [phantoms],
    );
    // A real request whose stream is made unreadable by an event the write side cannot fold,
    // written straight into the store before its deadline (a minute from now) passes.
    const unreadable = await s.request({ occurredAt: new Date(Date.now() - 2 * 3_600_000 + 60_000).toISOString() });
    await testApp.app.get<EventStore>(EVENT_STORE).appendToStream(
      placementRequestStream(unreadable),
      [{ eventId: randomUUID(), type: 'GarbledEvent', data: { requestId: unreadable, junk: true }, metadata: {} }],
      { expectedRevision: 0 },
    );

    const occurredAt = sharedInstant(4);
    const requestIds = await fileAll(40, { occurredAt });
    const misses = await waitUntil(
      async () => {
        const found = await missesPerStream(requestIds);
        return found.size === requestIds.length && found;
      },
      120_000,
      'every judgeable request judged despite 151 failing rows',
      500,
    );
    expect([...misses.values()].every((count) => count === 1)).toBe(true);
    expect((await missesPerStream([unreadable])).size).toBe(0);

    const watcher = await waitUntil(
      async () => {
        const ready = await s.http().get('/health/ready');
        const check = ready.body.checks?.deadlineWatcher;
        return check?.failingRows >= 151 && ready;
      },
      120_000,
      'the unreadable request among the failing rows',
      500,
    );
    expect(watcher.status).toBe(200);
    expect(watcher.body.status).not.toBe('ready');
    expect(watcher.body.checks.deadlineWatcher).toMatchObject({
      status: 'degraded',
      failingRows: 151,
      failuresTotal: expect.any(Number),
      lastSweepAt: expect.any(String),
      lastSweepAgeSeconds: expect.any(Number),
      lastFailure: { requestId: expect.any(String), error: expect.any(String) },
    });
    expect(watcher.body.checks.deadlineWatcher.failuresTotal).toBeGreaterThanOrEqual(151);
    expect(watcher.body.checks.deadlineWatcher.lastSweepAgeSeconds).toBeLessThan(30);

    const metrics = await s.http().get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^bistand_deadline_watcher_failing_rows 151$/m);
    expect(Number(/^bistand_deadline_watcher_failures_total (\d+)$/m.exec(metrics.text)?.[1])).toBeGreaterThanOrEqual(151);
    expect(Number(/^bistand_deadline_watcher_judged_total (\d+)$/m.exec(metrics.text)?.[1])).toBeGreaterThanOrEqual(570);
    expect(metrics.text).toMatch(/^bistand_deadline_watcher_last_sweep_age_seconds \d+(\.\d+)?$/m);

    // Once the cause is gone (the phantom rows removed), the watcher is ready again.
    await sql.query(`DELETE FROM ${READ_MODEL_SCHEMA}.rm_requests WHERE request_id = ANY ($1::uuid[])`, [phantoms]);
    const recovered = await waitUntil(
      async () => {
        const check = (await s.http().get('/health/ready')).body.checks?.deadlineWatcher;
        return check?.failingRows === 1 && check;
      },
      60_000,
      'the removed rows to leave the failing list',
      500,
    );
    expect(recovered).toMatchObject({ status: 'degraded', lastFailure: expect.anything() });
  }, 600_000);
});
