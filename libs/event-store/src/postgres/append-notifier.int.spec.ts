import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../../../../test/support/test-database';
import type { RecordedEvent } from '../event-store.port';
import { APPEND_CHANNEL, AppendNotifier } from './append-notifier';
import { PostgresEventStore } from './postgres-event-store';

/** Polls until `probe` gives a value, failing with `what` after a generous timeout. */
async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Follows a store's subscription into an array, keeping any error it ends with. */
function follow(store: PostgresEventStore) {
  const controller = new AbortController();
  const seen: RecordedEvent[] = [];
  const state: { error?: unknown } = {};
  const running = (async () => {
    try {
      for await (const event of store.subscribeToAll({ signal: controller.signal })) seen.push(event);
    } catch (error) {
      state.error = error;
    }
  })();
  return {
    seen,
    state,
    stop: async () => {
      controller.abort();
      await running;
    },
  };
}

const oneEvent = (type: string) => [{ eventId: randomUUID(), type, data: {}, metadata: {} }];

/** PRODUCT.md §8/§10: a process keeps following other processes' appends across a lost LISTEN connection. */
describe('the append notifier recovers its LISTEN connection without a restart', () => {
  let database: TestDatabase;
  let admin: Client;
  const nameOf = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new Client({ connectionString: testServerUrl() });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await database.drop();
  });

  /** The sessions on `db` (default: this file's database) whose last statement was a LISTEN. */
  async function listenerPids(db: TestDatabase = database): Promise<number[]> {
    const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query ILIKE 'LISTEN%' AND state = 'idle'`, [nameOf(db)]);
    return rows.map((row) => row.pid);
  }

  it('listens again after its session is terminated, and a subscriber sees what another process appends', async () => {
    const subscriber = await PostgresEventStore.connect({ connectionString: database.url, poolSize: 3 });
    const writer = await PostgresEventStore.connect({ connectionString: database.url, poolSize: 2 });
    const following = follow(subscriber);
    try {
      const first = await writer.appendToStream(`a-${randomUUID()}`, oneEvent('Before'), { expectedRevision: 'no_stream' });
      await eventually(() => following.seen.some((event) => event.position === first.position), 'the first event');
      const [before] = await eventually(async () => (await listenerPids()).length === 1 && listenerPids(), 'one LISTEN session');

      await admin.query('SELECT pg_terminate_backend($1)', [before]);
      const [after] = await eventually(async () => {
        const pids = await listenerPids();
        // The server may show the LISTEN done a moment before the client has read its answer.
        return subscriber.listenerStatus.listening && pids.length === 1 && pids[0] !== before && pids;
      }, 'a new LISTEN session');
      expect(after).not.toBe(before);
      expect(subscriber.listenerStatus).toMatchObject({ listening: true, lost: 1 });

      const second = await writer.appendToStream(`a-${randomUUID()}`, oneEvent('After'), { expectedRevision: 'no_stream' });
      await eventually(() => following.seen.some((event) => event.position === second.position), 'the event appended after the termination');
      expect(following.state.error).toBeUndefined();
    } finally {
      await following.stop();
      await subscriber.close();
      await writer.close();
    }
  });

  it('is woken by another process’s NOTIFY once it listens again, not only by its timeout', async () => {
    const pool = new Pool({ connectionString: database.url, max: 1 });
    const notifier = new AppendNotifier(pool);
    try {
      await notifier.waitForAppend(10);
      const [before] = await eventually(async () => notifier.status.listening && (await listenerPids()).length === 1 && listenerPids(), 'the notifier listening');
      await admin.query('SELECT pg_terminate_backend($1)', [before]);
      await eventually(async () => notifier.status.lost === 1 && notifier.status.listening && (await listenerPids()).some((pid) => pid !== before), 'the notifier listening again');

      const mark = notifier.mark;
      const giveUp = new AbortController();
      const timer = setTimeout(() => giveUp.abort(), 30_000);
      const woken = notifier.waitForAppend(10 * 60_000, giveUp.signal, mark);
      // NOTIFY reaches listeners of the same database only: sent from another session on it.
      const other = new Client({ connectionString: database.url });
      await other.connect();
      await other.query(`SELECT pg_notify('${APPEND_CHANNEL}', '')`);
      await other.end();
      await woken;
      clearTimeout(timer);
      expect(giveUp.signal.aborted).toBe(false);
      expect(notifier.mark).not.toBe(mark);
    } finally {
      await notifier.close();
      await pool.end();
    }
  });

  it('keeps the subscription through "too many connections", and listens again once connections are allowed', async () => {
    // A database of its own, owned by a role of its own whose connections the test can refuse.
    const own = await createTestDatabase();
    const role = `bistand_listener_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.query(`ALTER DATABASE ${nameOf(own)} OWNER TO ${role}`);
    const asRole = new URL(own.url);
    asRole.username = role;
    asRole.password = password;
    const subscriber = await PostgresEventStore.connect({ connectionString: asRole.toString(), poolSize: 3 });
    const writer = await PostgresEventStore.connect({ connectionString: own.url, poolSize: 2 });
    const following = follow(subscriber);
    try {
      const first = await writer.appendToStream(`b-${randomUUID()}`, oneEvent('Before'), { expectedRevision: 'no_stream' });
      await eventually(() => following.seen.some((event) => event.position === first.position), 'the first event');
      const [before] = await eventually(async () => (await listenerPids(own)).length === 1 && listenerPids(own), 'the LISTEN session');

      // The role may open no connection at all, and every session it has is ended: the listener
      // and the pool's connections alike, as in a server restart with the clients coming back first.
      await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT 0`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND datname = $2', [role, nameOf(own)]);
      await eventually(() => subscriber.listenerStatus.failedAttempts >= 2 && /too many connections/i.test(subscriber.listenerStatus.lastError ?? ''), 'refused reconnects');
      const meanwhile = await writer.appendToStream(`b-${randomUUID()}`, oneEvent('Meanwhile'), { expectedRevision: 'no_stream' });
      expect(following.state.error).toBeUndefined();

      await admin.query(`ALTER ROLE ${role} CONNECTION LIMIT -1`);
      await eventually(() => following.seen.some((event) => event.position === meanwhile.position), 'the event appended while refused', 60_000);
      const [after] = await eventually(async () => {
        const pids = await listenerPids(own);
        return subscriber.listenerStatus.listening && pids.length === 1 && pids[0] !== before && pids;
      }, 'a new LISTEN session', 60_000);
      expect(after).not.toBe(before);
      expect(subscriber.listenerStatus).toMatchObject({ listening: true, failedAttempts: 0 });

      const later = await writer.appendToStream(`b-${randomUUID()}`, oneEvent('Later'), { expectedRevision: 'no_stream' });
      await eventually(() => following.seen.some((event) => event.position === later.position), 'the event appended after recovery');
      expect(following.state.error).toBeUndefined();
      expect(following.seen.map((event) => event.type)).toEqual(['Before', 'Meanwhile', 'Later']);
    } finally {
      await following.stop();
      await subscriber.close();
      await writer.close();
      await own.drop();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
  });
});
