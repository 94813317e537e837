import { createHash } from 'node:crypto';
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool, type PoolClient } from 'pg';
import { ProblemException } from '@bistand/http/problem';
import { gauge, Readiness } from '@bistand/ops/readiness';
import { KeyedMutex, LockWaitTimeout } from './keyed-mutex';

/**
 * What a command may hold exclusively while it decides and appends. `facility`: the consistency
 * boundary of capacity (PRODUCT.md §5); `offerId`: offer ids are unique across all requests.
 */
export type LockKey = { kind: 'facility'; facilityId: string } | { kind: 'offerId'; offerId: string };

/** How long a command waits for its locks, in all (in process, for a connection, in PostgreSQL). */
export const LOCK_WAIT_MS = 10_000;

/** Connections this process may hold for locks: the locks' own pool, never the read models' one. */
const LOCK_CONNECTIONS = 4;

/** Advisory lock namespaces (the first key of the two-integer form), so our keys meet nobody else's. */
const NAMESPACE: Record<LockKey['kind'], number> = { facility: 0x42534601, offerId: 0x42534602 };

interface AdvisoryKey {
  namespace: number;
  objectId: number;
  name: string;
}

/**
 * Serialises commands across every process on one database with PostgreSQL session advisory locks
 * (in the read-model database, which exists with either event store, KurrentDB included).
 *
 * Why it cannot deadlock or starve the projector: the lock holder's work (catch-up) needs the
 * projector, which writes through the read models' pool. So nobody waits for a lock while holding a
 * connection of that pool: a process first queues per key in memory (one waiter per key reaches
 * PostgreSQL), then takes a connection of this small dedicated pool, then waits in
 * `pg_advisory_lock` under `lock_timeout`. Keys are always taken in one global order (namespace,
 * then object id), so two commands needing two keys each cannot wait on each other. Every wait is
 * bounded: past LOCK_WAIT_MS the command is answered 503 `LOCK.TIMEOUT`, never left hanging.
 *
 * A hash collision between two keys only makes two unrelated commands take turns.
 */
@Injectable()
export class ExclusiveLocks implements OnModuleInit, OnApplicationShutdown {
  private readonly pool: Pool;
  private readonly local = new KeyedMutex();
  private timeouts = 0;

  constructor(
    readModels: Pool,
    private readonly readiness: Readiness,
  ) {
    // No pool-level connect timeout: each command's wait for a connection is bounded by its own deadline (connectBy).
    this.pool = new Pool({ ...readModels.options, max: LOCK_CONNECTIONS, idleTimeoutMillis: 30_000 });
    this.pool.on('error', () => undefined);
  }

  onModuleInit(): void {
    this.readiness.register({
      name: 'commandLocks',
      check: () => ({ level: 'ready', detail: { held: this.local.heldKeys, waiting: this.local.waiting, timeouts: this.timeouts } }),
      metrics: () =>
        gauge('bistand_command_locks_waiting', 'Commands of this process waiting for a facility or offer id lock', this.local.waiting) +
        gauge('bistand_command_lock_timeouts_total', 'Commands answered 503 because their lock did not come in time', this.timeouts, 'counter'),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }

  /** Runs `work` while holding every key, in every process on this database. */
  async withLocks<T>(keys: LockKey[], work: () => Promise<T>, waitMs = LOCK_WAIT_MS): Promise<T> {
    const deadline = Date.now() + waitMs;
    const ordered = orderedKeys(keys);
    const releases: Array<() => void> = [];
    let client: PoolClient | undefined;
    let broken: unknown;
    const onError = (error: Error) => (broken = error);
    try {
      for (const key of ordered) releases.push(await this.local.acquire(key.name, deadline));
      client = await this.connectBy(deadline);
      client.on('error', onError);
      await client.query(`SET lock_timeout = ${Math.max(1, deadline - Date.now())}`);
      for (const key of ordered) await client.query('SELECT pg_advisory_lock($1::int, $2::int)', [key.namespace, key.objectId]);
    } catch (error) {
      client?.off('error', onError);
      client?.release(true);
      releases.reverse().forEach((release) => release());
      throw this.unavailable(error);
    }
    try {
      return await work();
    } finally {
      let failure: Error | boolean = false;
      try {
        if (broken) throw broken;
        await client.query('SELECT pg_advisory_unlock_all()');
      } catch (error) {
        // A broken session is discarded; its locks end with it.
        failure = error instanceof Error ? error : true;
      }
      client.off('error', onError);
      client.release(failure);
      releases.reverse().forEach((release) => release());
    }
  }

  /**
   * A lock connection, waited for only until the command's deadline (the pool's queue counts
   * toward the "LOCK_WAIT_MS in all" bound); one that comes later goes straight back to the pool.
   */
  private async connectBy(deadline: number): Promise<PoolClient> {
    const connecting = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LockWaitTimeout('no lock connection before the deadline')), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([connecting, timeout]);
    } catch (error) {
      connecting.then((late) => late.release(), () => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private unavailable(error: unknown): ProblemException {
    const timedOut = error instanceof LockWaitTimeout || (error as { code?: string }).code === '55P03' || /timeout/i.test(error instanceof Error ? error.message : '');
    if (timedOut) this.timeouts++;
    return new ProblemException(
      503,
      'LOCK.TIMEOUT',
      'Service Unavailable',
      timedOut
        ? `Too many commands are competing for the same facility or offer id; nothing was written, retry in a moment`
        : `The command could not take its lock (${error instanceof Error ? error.message : String(error)}); nothing was written, retry in a moment`,
    );
  }
}

function orderedKeys(keys: LockKey[]): AdvisoryKey[] {
  const byName = new Map<string, AdvisoryKey>();
  for (const key of keys) {
    const id = key.kind === 'facility' ? key.facilityId : key.offerId;
    const namespace = NAMESPACE[key.kind];
    const objectId = createHash('sha1').update(id).digest().readInt32BE(0);
    const name = `${namespace}:${objectId}`;
    byName.set(name, { namespace, objectId, name });
  }
  return [...byName.values()].sort((a, b) => a.namespace - b.namespace || a.objectId - b.objectId);
}
