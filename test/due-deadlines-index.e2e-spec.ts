import { Pool, type QueryResult } from 'pg';
import { readDueDeadlines } from '@bistand/commands/deadline-watcher/due-deadlines';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { startTestApp, type TestApp } from './support/test-app';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/**
 * The deadline watcher pages through due requests by keyset (offer_deadline, request_id)
 * (due-deadlines.ts). Read-model migration 6 gives it an index on exactly that order under its
 * predicate (`deadline_state = 'pending'`): a page is read in index order and stops after its
 * limit, without sorting every request that shares a deadline instant. Before, the index held
 * only offer_deadline, so each page sorted.
 */
describe('the deadline watcher’s page query and its index', () => {
  let testApp: TestApp;
  let sql: Pool;

  beforeAll(async () => {
    testApp = await startTestApp();
    sql = new Pool({ connectionString: testApp.database.url, max: 2, options: '-c search_path=read_models' });
    // A register with a few thousand pending deadlines (ten requests per instant) among many judged
    // ones. Written straight into the read model: only the planner looks at them. Their deadlines
    // lie in the future, so the app's own watcher leaves them alone.
    const row = (state: string, n: number, instants: number) => `
      INSERT INTO rm_requests (request_id, municipality, region, urgency, status, requested_at, recorded_at, offer_deadline, deadline_policy, deadline_state, state, position)
      SELECT gen_random_uuid(), '5501', 'nord', 'acute', 'requested', now(), now(), date_trunc('minute', now()) + interval '1 day' + (i % ${instants}) * interval '1 minute',
             'v1', '${state}', '{}'::jsonb, i
        FROM generate_series(1, ${n}) AS i`;
    await sql.query(row('pending', 3_000, 300));
    await sql.query(row('met', 20_000, 5_000));
    await sql.query('ANALYZE rm_requests');
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await testApp?.close();
  });

  /** The plan PostgreSQL picks for the watcher's own query (run through EXPLAIN on the real database). */
  async function planOf(after?: { deadline: string; requestId: string }): Promise<PlanNode> {
    let plan: PlanNode | undefined;
    const explaining = {
      query: async (text: string, values: unknown[]): Promise<QueryResult> => {
        const result = await sql.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
        plan = result.rows[0]['QUERY PLAN'][0].Plan;
        return { ...result, rows: [] };
      },
    } as unknown as Pool;
    const farFuture = new Date('2200-01-01T00:00:00Z');
    await readDueDeadlines(explaining, { now: farFuture, recordedBefore: farFuture, after, limit: 100 });
    if (!plan) throw new Error('the watcher ran no query');
    return plan;
  }

  it('reads the first page and a page after a cursor in index order, without a sort', async () => {
    const { rows } = await sql.query<{ deadline: string; request_id: string }>(
      "SELECT offer_deadline::text AS deadline, request_id FROM rm_requests WHERE deadline_state = 'pending' ORDER BY offer_deadline, request_id OFFSET 1500 LIMIT 1",
    );
    for (const after of [undefined, { deadline: rows[0].deadline, requestId: rows[0].request_id }]) {
      const all = nodes(await planOf(after));
      expect(all.filter((node) => /Sort/.test(node['Node Type'])).map((node) => node['Node Type'])).toEqual([]);
      expect(all.some((node) => /Index/.test(node['Node Type']) && node['Index Name'] === 'rm_requests_due_deadlines')).toBe(true);
    }
  });

  it('is built by a rebuild too: the rebuilt tables have the same indexes as the migrated ones', async () => {
    const indexes = async () =>
      (await sql.query<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'read_models' ORDER BY indexname")).rows;
    const migrated = await indexes();
    expect(migrated.find((index) => index.indexname === 'rm_requests_due_deadlines')?.indexdef).toBe(
      "CREATE INDEX rm_requests_due_deadlines ON read_models.rm_requests USING btree (offer_deadline, request_id) WHERE (deadline_state = 'pending'::text)",
    );
    expect(migrated.map((index) => index.indexname)).not.toContain('rm_requests_pending_deadline');
    await rebuildReadModels({ store: testApp.app.get<EventStore>(EVENT_STORE), databaseUrl: testApp.database.url, projections: ALL_PROJECTIONS });
    expect(await indexes()).toEqual(migrated);
  }, 60_000);
});
