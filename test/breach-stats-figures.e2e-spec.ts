import { Pool } from 'pg';
import request from 'supertest';
import type { DevTokenOptions } from '@bistand/auth/dev-token';
import { BREACH_TYPES } from '@bistand/placement/breach-rules';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { Projector } from '@bistand/projections/projector';
import { ALL_STATISTICS_TABLES, STATISTICS_FROM_ROWS } from '@bistand/projections/read-model-schema';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { MUNICIPALITIES } from '@bistand/reference-data/municipalities';
import { generateNationalYear } from '../bench/support/dataset';
import { readModelSnapshot } from './support/read-model-snapshot';
import { startTestApp, type TestApp } from './support/test-app';
import { bearer } from './support/tokens';

/**
 * The statistics read whole months from the monthly tables the projection keeps by differences,
 * and the edges of a range from the rows. Here a generated national year is asked every way, and
 * each answer must equal the same figures computed plainly from the rows.
 */
const KEPT_TABLES = ALL_STATISTICS_TABLES;

describe('breach statistics against the rows they summarise', () => {
  let testApp: TestApp;
  let pool: Pool;

  beforeAll(async () => {
    testApp = await startTestApp();
    pool = new Pool({ connectionString: testApp.database.url, options: '-c search_path=read_models' });
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    await generateNationalYear(store, 8_000, 4);
    // Settled: projected, and the deadline watcher has nothing left to judge.
    const projector = testApp.app.get(Projector);
    for (let head = ''; head !== (await store.headPosition()).toString(); ) {
      head = (await store.headPosition()).toString();
      expect(await projector.catchUp(30_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2_500));
    }
  });
  afterAll(async () => {
    await pool.end();
    await testApp.close();
  });

  it('keeps the monthly tables equal to a count of the rows', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Temporary tables of the same names come first on the search path: the same SQL fills them from the rows.
      for (const table of KEPT_TABLES) {
        await client.query(`CREATE TEMP TABLE ${table} (LIKE read_models.${table}) ON COMMIT DROP`);
      }
      await client.query(STATISTICS_FROM_ROWS);
      for (const table of KEPT_TABLES) {
        const { rows: kept } = await client.query(`SELECT count(*)::int AS n FROM read_models.${table}`);
        expect(kept[0].n).toBeGreaterThan(10);
        const { rows: differences } = await client.query(
          `(SELECT * FROM read_models.${table} EXCEPT ALL SELECT * FROM pg_temp.${table}) UNION ALL (SELECT * FROM pg_temp.${table} EXCEPT ALL SELECT * FROM read_models.${table})`,
        );
        expect({ table, differences }).toEqual({ table, differences: [] });
      }
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  const callers: Record<string, DevTokenOptions> = {
    auditor: { role: 'auditor', sub: 'auditor' },
    coordinator: { role: 'coordinator', region: 'vest', sub: 'vest' },
    // A leader for every municipality of Vestland county: enough requests in every range.
    municipality: { role: 'municipality', municipalities: MUNICIPALITIES.filter((m) => m.number.startsWith('46')).map((m) => m.number), sub: 'vestland' },
  };
  const ranges: [string, string | undefined, string | undefined][] = [
    ['everything', undefined, undefined],
    ['whole Oslo months', '2025-03-01', '2025-09-01'],
    ['ragged edges', '2025-03-15T10:17:00Z', '2025-07-20T00:00:00+02:00'],
    ['inside one month', '2025-05-03', '2025-05-21T12:00:00Z'],
    ['open start', undefined, '2025-06-10T08:00:00Z'],
    ['open end', '2025-10-31T23:30:00Z', undefined],
    ['a month boundary in UTC, not in Oslo', '2025-04-01T00:00:00Z', '2025-08-01T00:00:00Z'],
  ];
  const cases = Object.keys(callers).flatMap((caller) =>
    ['region', 'municipality', 'month', 'type'].flatMap((groupBy) => ranges.map(([name, from, to]) => [caller, groupBy, name, from, to] as const)),
  );

  it.each(cases)('%s by %s, %s', async (caller, groupBy, _name, from, to) => {
    const query = new URLSearchParams({ groupBy, ...(from && { from }), ...(to && { to }) });
    const response = await request(testApp.app.getHttpServer()).get(`/v1/breaches/stats?${query}`).set('Authorization', bearer(testApp.config, callers[caller]));
    expect(response.status).toBe(200);
    const expected = await statsFromRows(pool, callers[caller], groupBy, from, to);
    expect(response.body.items).toEqual(expected);
    expect(response.body.items.length).toBeGreaterThan(0);
  });

  // Last: it swaps in fresh tables. A rebuild folds everything in memory and writes each row once,
  // the live projector went batch by batch over stored rows: both must give the same rows.
  it('yields the same rows from a rebuild as from following the events live', async () => {
    const live = await readModelSnapshot(testApp.database.url);
    const result = await rebuildReadModels({ store: testApp.app.get<EventStore>(EVENT_STORE), databaseUrl: testApp.database.url, projections: ALL_PROJECTIONS });
    expect(result.events).toBeGreaterThan(8_000);
    // Every table holds rows, so the comparison means something; parked events are none in a sound history.
    for (const [table, rows] of Object.entries(live)) if (table !== 'rm_parked_events') expect({ table, empty: rows.length === 0 }).toEqual({ table, empty: false });
    expect(await readModelSnapshot(testApp.database.url)).toEqual(live);
  });
});

/** The figures of PRODUCT.md §6 the plain way: every row, every time. */
async function statsFromRows(pool: Pool, caller: DevTokenOptions, groupBy: string, from?: string, to?: string) {
  const instant = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? `(${`'${value}'`}::timestamp AT TIME ZONE 'Europe/Oslo')` : `'${value}'::timestamptz`);
  const where = (column: string) =>
    [
      caller.role === 'coordinator' ? `region = '${caller.region}'` : caller.role === 'municipality' ? `municipality = ANY ('{${caller.municipalities!.join(',')}}')` : 'true',
      from ? `${column} >= ${instant(from)}` : 'true',
      to ? `${column} < ${instant(to)}` : 'true',
    ].join(' AND ');
  const key = (column: string) => (groupBy === 'month' ? `to_char(${column} AT TIME ZONE 'Europe/Oslo', 'YYYY-MM')` : groupBy);
  const { rows: breaches } = await pool.query(
    `SELECT ${key('occurred_at')} AS key, type, count(*) FILTER (WHERE NOT retracted)::int AS live, count(*) FILTER (WHERE retracted)::int AS retracted
       FROM rm_breaches WHERE ${where('occurred_at')} GROUP BY 1, 2`,
  );
  const { rows: requests } =
    groupBy === 'type'
      ? { rows: [] }
      : await pool.query(
          `SELECT ${key('requested_at')} AS key, count(*)::int AS requests, count(*) FILTER (WHERE first_offer_at < offer_deadline)::int AS before,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_offer_at - requested_at) / 3600) AS median,
                  count(placed_far)::int AS placed, count(*) FILTER (WHERE placed_far)::int AS far, count(*) FILTER (WHERE outside_home_region)::int AS outside
             FROM rm_requests WHERE ${where('requested_at')} GROUP BY 1`,
        );
  const items = new Map<string, Record<string, unknown> & { byType: Record<string, number> }>();
  const item = (k: string) => {
    if (!items.has(k)) {
      const byType: Record<string, number> = Object.fromEntries(BREACH_TYPES.map((type) => [type, 0]));
      items.set(k, { key: k, breaches: 0, byType, retracted: 0, requests: null, offersBeforeDeadlineShare: null, medianHoursToFirstOffer: null, placedFarShare: null, outsideHomeRegionShare: null });
    }
    return items.get(k)!;
  };
  for (const row of breaches) {
    const entry = item(row.key);
    entry.breaches = (entry.breaches as number) + row.live;
    entry.byType[row.type] += row.live;
    entry.retracted = (entry.retracted as number) + row.retracted;
  }
  for (const row of requests) {
    Object.assign(item(row.key), {
      requests: row.requests,
      offersBeforeDeadlineShare: row.before / row.requests,
      medianHoursToFirstOffer: row.median === null ? null : Math.round(Number(row.median) * 100) / 100,
      placedFarShare: row.placed ? row.far / row.placed : null,
      outsideHomeRegionShare: row.placed ? row.outside / row.placed : null,
    });
  }
  return [...items.values()].sort((a, b) => (a.key as string).localeCompare(b.key as string));
}
