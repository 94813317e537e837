import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { Projector } from '@bistand/projections/projector';
import { generateNationalYear } from '../bench/support/dataset';
import { Scenario } from './support/scenario';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { startTestApp, type TestApp } from './support/test-app';

/** The bound: a command's effect is readable this soon, also while a rebuild runs. */
const READABLE_WITHIN_MS = 1_000;
const EVENTS = 100_000;

interface Probe {
  phase: 'folding' | 'writing';
  requestId: string;
  /** From the command's answer to the query's answer that includes the request. */
  readableAfterMs: number;
  status: number;
  listed: boolean;
}

/**
 * Issue 8, point 4: a rebuild writes its fresh tables in short transactions, so the store's
 * visibility bound (the oldest open transaction id in the cluster) keeps moving and the live
 * projector keeps following while it runs. Before, its COPYs stayed open for the whole fold and
 * every command's effect waited for the rebuild's end.
 *
 * The rebuild runs as an operator runs it, `npm run projections:rebuild` in a process of its own
 * (its entry point, without a build), against the app's database while the app answers.
 */
describe('a rebuild under live load', () => {
  const root = join(__dirname, '..');
  let testApp: TestApp;
  let s: Scenario;
  let child: ChildProcess | undefined;
  let cluster: PrivatePostgres;

  beforeAll(async () => {
    // A cluster of its own: its 1 s bound is about the rebuild's transactions, and any other test
    // file's writing transaction on a shared server would hold this app's readers back too (and
    // generating 100,000 events here would hold back theirs).
    cluster = await startPrivatePostgres();
    testApp = await startTestApp({ database: await cluster.createDatabase() });
    s = new Scenario(testApp);
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    const projector = testApp.app.get(Projector);
    await projector.stop();
    await generateNationalYear(store, EVENTS, 8);
    // The live projector starts at the store's head: the probes must measure how it follows new
    // events during the rebuild, not how it works off the 100,000 generated ones first (the
    // rebuild below writes their rows, and its swap is checked at the end).
    const pool = new Pool({ connectionString: testApp.database.url, options: '-c search_path=read_models' });
    try {
      await pool.query('UPDATE rm_checkpoints SET position = $1', [(await store.headPosition()).toString()]);
    } finally {
      await pool.end();
    }
    await projector.start();
  }, 120_000);
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await testApp?.close();
    await cluster?.stop();
  });

  /** Starts `npm run projections:rebuild` against the test database; its phase follows what it prints. */
  function startRebuild(): { phase: () => Probe['phase'] | 'starting'; exited: Promise<number | null>; output: () => string } {
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: testApp.database.url, NODE_ENV: 'test' };
    child = spawn(process.execPath, ['--max-semi-space-size=64', join(root, 'test', 'support', 'run-typescript.js'), join(root, 'apps', 'bistand', 'src', 'rebuild.ts')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const phase = () => (output.includes('Writing the rows') ? 'writing' : output.includes('Rebuilding read models') ? 'folding' : 'starting');
    return { phase, exited, output: () => output };
  }

  it(`keeps a command's effect readable within ${READABLE_WITHIN_MS} ms while it rebuilds ${EVENTS.toLocaleString('en-US')} events`, async () => {
    const rebuild = startRebuild();
    let rebuilding = true;
    void rebuild.exited.then(() => (rebuilding = false));

    const probes: Probe[] = [];
    let rebuildConnections = 0;
    while (rebuilding) {
      const phase = rebuild.phase();
      if (phase === 'starting') {
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const filed = await s.post('/v1/placement-requests', 'tromso', s.requestBody());
      expect(filed.status).toBe(201);
      const answered = Date.now();
      const list = await s.http().get('/v1/placement-requests?municipality=5501&limit=20').set('Authorization', s.as('tromso')).set('X-Min-Position', filed.body.position);
      const readableAfterMs = Date.now() - answered;
      if (!rebuilding) break; // answered after the rebuild ended: not a probe during it
      probes.push({
        phase,
        requestId: filed.body.id,
        readableAfterMs,
        status: list.status,
        listed: list.status === 200 && list.body.items.some((item: { id: string }) => item.id === filed.body.id),
      });
      rebuildConnections = Math.max(rebuildConnections, await connectionsNamed('bistand-rebuild'));
      // Spread over the rebuild rather than back to back: each probe is a fresh command.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await rebuild.exited).toBe(0);
    expect(rebuild.output()).toMatch(/Rebuilt 100,\d{3} events in/);

    // Several probes in each phase: while it folds (its rows streaming out) and while it writes and indexes.
    expect(probes.filter((p) => p.phase === 'folding').length).toBeGreaterThanOrEqual(5);
    expect(probes.filter((p) => p.phase === 'writing').length).toBeGreaterThanOrEqual(2);
    const late = probes.filter((p) => !p.listed || p.readableAfterMs > READABLE_WITHIN_MS);
    expect({ probes: probes.length, late }).toEqual({ probes: probes.length, late: [] });
    // Its connections carry its name, so /health/ready can tell whose transaction holds the bound.
    expect(rebuildConnections).toBeGreaterThan(0);

    // Every probe is in the rebuilt tables too, whether the rebuild folded it or the projector followed on after the swap.
    expect(await testApp.app.get(Projector).catchUp(10_000)).toBe(true);
    const list = await s.get(`/v1/placement-requests?municipality=5501&limit=${Math.min(probes.length + 20, 500)}`, 'tromso');
    const listed = new Set(list.body.items.map((item: { id: string }) => item.id));
    expect(probes.filter((p) => !listed.has(p.requestId))).toEqual([]);
  }, 150_000);

  async function connectionsNamed(applicationName: string): Promise<number> {
    const pool = testApp.app.get(Pool);
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [applicationName]);
    return rows[0].n;
  }
});
