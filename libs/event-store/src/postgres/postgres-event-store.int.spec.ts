import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createTestDatabase } from '../../../../test/support/test-database';
import { describeEventStoreContract } from '../../test/event-store.contract';
import { APPEND_STATEMENT } from './append-statement';
import { PostgresEventStore } from './postgres-event-store';

describeEventStoreContract(`PostgreSQL (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'})`, async () => {
  const database = await createTestDatabase();
  const store = await PostgresEventStore.connect({ connectionString: database.url, poolSize: 12 });
  return {
    store,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describe('PostgreSQL event store: ordering under an in-flight transaction', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: PostgresEventStore;
  let holder: Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    store = await PostgresEventStore.connect({ connectionString: database.url });
    holder = new Client({ connectionString: database.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await store.close();
    await database.drop();
  });

  it('does not deliver a later-committed event past an earlier one that commits afterwards', async () => {
    const start = await store.headPosition();
    // Transaction A starts appending first (lower transaction id) and stays open.
    await holder.query('BEGIN');
    await holder.query({
      ...APPEND_STATEMENT,
      values: [`slow-${randomUUID()}`, 'any', null, [randomUUID()], ['Slow'], ['{}'], ['{}']],
    });
    // Transaction B appends and commits while A is still open.
    const fast = await store.appendToStream(`fast-${randomUUID()}`, [{ eventId: randomUUID(), type: 'Fast', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });

    const controller = new AbortController();
    const delivered: string[] = [];
    const reading = (async () => {
      for await (const recorded of store.subscribeToAll({ after: start, signal: controller.signal })) {
        delivered.push(recorded.type);
        if (delivered.length === 2) break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(delivered).toEqual([]); // B is held back while A, which sorts before it, is unfinished
    expect(await store.headPosition()).toBe(fast.position); // committed, so a writer can wait for it

    await holder.query('COMMIT');
    const timeout = setTimeout(() => controller.abort(), 10_000);
    await reading;
    clearTimeout(timeout);
    expect(delivered).toEqual(['Slow', 'Fast']);
    expect(await store.headPosition()).toBe(fast.position);
  });
});
