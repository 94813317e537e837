import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { ProblemException } from '@bistand/http/problem';
import { Readiness } from '@bistand/ops/readiness';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { ExclusiveLocks } from './exclusive-locks';

/**
 * The locks behind capacity under concurrency: two ExclusiveLocks on one database stand for two
 * processes (each has its own in-process queue, so only PostgreSQL separates them).
 */
describe('ExclusiveLocks', () => {
  let database: TestDatabase;
  let readModels: Pool;
  let first: ExclusiveLocks;
  let second: ExclusiveLocks;

  beforeAll(async () => {
    database = await createTestDatabase();
    readModels = new Pool({ connectionString: database.url, max: 2 });
    first = new ExclusiveLocks(readModels, new Readiness());
    second = new ExclusiveLocks(readModels, new Readiness());
  });
  afterAll(async () => {
    await first?.onApplicationShutdown();
    await second?.onApplicationShutdown();
    await readModels?.end();
    await database?.drop();
  });

  const facility = () => ({ kind: 'facility' as const, facilityId: randomUUID() });

  it('lets one holder per facility in at a time, across processes and within one', async () => {
    const key = facility();
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
    };
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? first : second).withLocks([key], work)));
    expect(most).toBe(1);
  });

  it('counts the wait for one of its lock connections toward the same bound (busy facilities elsewhere in the process)', async () => {
    // Every lock connection of `first` is held by a command on another facility.
    const releases: (() => void)[] = [];
    const holding = Array.from({ length: 4 }, () => first.withLocks([facility()], () => new Promise<void>((resolve) => releases.push(resolve))));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    const waited = await first.withLocks([facility()], async () => undefined, 300).catch((error: unknown) => error);
    expect(waited).toMatchObject({ status: 503, code: 'LOCK.TIMEOUT' });
    // Bounded by its own 300 ms (plus scheduling), not by a pool timeout of 10 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    releases.forEach((release) => release());
    await Promise.all(holding);
    await expect(first.withLocks([facility()], async () => 'in')).resolves.toBe('in');
  });

  it('answers 503 LOCK.TIMEOUT, without running the work, when the lock does not come in time; then works again', async () => {
    const key = facility();
    let release!: () => void;
    const held = first.withLocks([key], () => new Promise<void>((resolve) => (release = resolve)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    let ran = false;
    const waited = await second
      .withLocks([key], async () => {
        ran = true;
      }, 300)
      .catch((error: unknown) => error);
    expect(waited).toBeInstanceOf(ProblemException);
    expect(waited).toMatchObject({ status: 503, code: 'LOCK.TIMEOUT' });
    expect(ran).toBe(false);
    release();
    await held;
    await second.withLocks([key], async () => undefined, 5_000);
  });

  it('does not deadlock two commands that need the same two keys named in opposite order', async () => {
    const a = facility();
    const offer = { kind: 'offerId' as const, offerId: randomUUID() };
    const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 30));
    await Promise.all([first.withLocks([a, offer], pause, 5_000), second.withLocks([offer, a], pause, 5_000), first.withLocks([offer, a], pause, 5_000)]);
  });

  it('never takes a connection from the read models pool while it waits', async () => {
    const key = facility();
    let release!: () => void;
    const held = first.withLocks([key], () => new Promise<void>((resolve) => (release = resolve)));
    const waiters = Array.from({ length: 6 }, () => second.withLocks([key], async () => undefined, 5_000));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readModels.totalCount - readModels.idleCount).toBe(0);
    release();
    await Promise.all([held, ...waiters]);
  });
});
