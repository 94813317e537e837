import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { gauge, Readiness, type CheckResult, type ReadinessCheck } from '@bistand/ops/readiness';

/** The application_name every connection of this product carries, so the check can tell its own transactions from others'. */
export const PRODUCT_APPLICATION_PREFIX = 'bistand';

/** Above this a transaction holding the bound counts as a problem: projections and `X-Min-Position` reads are waiting for it. */
export const HOLDER_DEGRADED_SECONDS = 5;

/** The open transaction with the oldest transaction id in the cluster: the one es_visible_bound waits for. */
export interface VisibilityHolder {
  /** The server process; null for a prepared transaction (PREPARE TRANSACTION, no session). */
  pid: number | null;
  applicationName: string | null;
  database: string | null;
  user: string | null;
  /** `active`, `idle in transaction`, ... or `prepared`. */
  state: string | null;
  /** Since its transaction began (it took its transaction id at its first write, at or after that). */
  ageSeconds: number;
  /** One of this product's connections (application_name bistand or bistand-...). */
  own: boolean;
}

/**
 * Finds the transaction that holds the event store's visibility bound back: readers see only
 * events below the oldest running transaction id of the whole cluster, so any transaction that has
 * written something and stays open (an operator's `BEGIN; UPDATE ...` left open in psql, a long
 * migration, a forgotten prepared transaction) holds every subscriber back until it ends. One
 * look at pg_stat_activity (one row per connection) and pg_prepared_xacts; no query text is read.
 * Other users' sessions are visible to a role with pg_read_all_stats (or a superuser) only.
 */
export async function oldestVisibilityHolder(db: Pick<Pool, 'query'>): Promise<VisibilityHolder | undefined> {
  const { rows } = await db.query<{ pid: number | null; application_name: string | null; datname: string | null; usename: string | null; state: string | null; age_seconds: number }>(
    `SELECT pid, application_name, datname, usename, state, age_seconds FROM (
       SELECT pid, application_name, datname::text, usename::text, state, age(backend_xid) AS xid_age,
              extract(epoch FROM clock_timestamp() - xact_start)::float8 AS age_seconds
         FROM pg_stat_activity WHERE backend_xid IS NOT NULL
       UNION ALL
       SELECT NULL, NULL, database::text, owner::text, 'prepared', age(transaction),
              extract(epoch FROM clock_timestamp() - prepared)::float8
         FROM pg_prepared_xacts
     ) holders ORDER BY xid_age DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  const applicationName = row.application_name || null;
  return {
    pid: row.pid,
    applicationName,
    database: row.datname,
    user: row.usename,
    state: row.state,
    ageSeconds: Math.max(0, Math.round(row.age_seconds * 1000) / 1000),
    own: applicationName === PRODUCT_APPLICATION_PREFIX || (applicationName?.startsWith(`${PRODUCT_APPLICATION_PREFIX}-`) ?? false),
  };
}

/** Events already committed that readers cannot see yet because an older transaction is still open (counted up to 10,000). */
export async function heldBackEvents(db: Pick<Pool, 'query'>): Promise<number> {
  const { rows } = await db.query<{ held: number }>('SELECT count(*)::int AS held FROM (SELECT 1 FROM es_events WHERE position >= es_visible_bound() LIMIT 10000) h');
  return rows[0].held;
}

/**
 * `eventVisibility` in /health/ready: the oldest transaction holding the store's visibility bound,
 * `degraded` once it has been open longer than HOLDER_DEGRADED_SECONDS and committed events wait
 * behind it (the API still answers;
 * projections, the deadline watcher's view and `X-Min-Position` reads wait for it to end, and then
 * continue in order with nothing lost). A person should look: end the session or finish its work.
 */
export function eventVisibilityCheck(db: Pick<Pool, 'query'>): ReadinessCheck {
  // One look serves /health/ready and /metrics asked together.
  let reading: { at: number; look: Promise<{ oldest: VisibilityHolder | undefined; held: number }> } | undefined;
  const look = () => {
    if (!reading || Date.now() - reading.at > 100) {
      reading = { at: Date.now(), look: Promise.all([oldestVisibilityHolder(db), heldBackEvents(db)]).then(([oldest, held]) => ({ oldest, held })) };
    }
    return reading.look;
  };
  return {
    name: 'eventVisibility',
    async check(): Promise<CheckResult> {
      const { oldest, held } = await look();
      // Degraded only while it actually holds events back: an old transaction on a quiet store (or
      // in a neighbouring database of a shared server) is shown, but needs nobody until it does.
      const holding = oldest !== undefined && oldest.ageSeconds > HOLDER_DEGRADED_SECONDS && held > 0;
      return {
        level: holding ? 'degraded' : 'ready',
        detail: {
          oldestTransaction: oldest ?? null,
          heldBackEvents: held,
          ...(holding ? { problem: `a transaction open for ${Math.round(oldest.ageSeconds)} s holds back every event appended since it took its transaction id: end it` } : {}),
        },
      };
    },
    async metrics(): Promise<string> {
      const { oldest, held } = await look();
      return (
        gauge(
          'bistand_event_store_oldest_transaction_age_seconds',
          'Age of the open transaction with the oldest transaction id in the cluster, which holds back what event store readers see (0 when none)',
          oldest?.ageSeconds ?? 0,
        ) + gauge('bistand_event_store_held_back_events', 'Committed events readers cannot see yet because an older transaction is open (counted up to 10000)', held)
      );
    },
  };
}

/** The pool the check looks through: one connection, of its own, so a busy store pool never delays /health/ready. */
export const VISIBILITY_POOL = Symbol('VISIBILITY_POOL');

/** Registers `eventVisibility` for the PostgreSQL event store (with KurrentDB there is no such bound). */
@Injectable()
export class EventVisibilityReadiness implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(VISIBILITY_POOL) private readonly pool: Pool,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register(eventVisibilityCheck(this.pool));
  }

  async onApplicationShutdown(): Promise<void> {
    this.readiness.unregister('eventVisibility');
    await this.pool.end();
  }
}

/** The check's pool, named like the rest of the product's connections. */
export function visibilityPool(connectionString: string, applicationName: string): Pool {
  const pool = new Pool({ connectionString, max: 1, application_name: applicationName, idleTimeoutMillis: 30_000 });
  pool.on('error', () => undefined); // surfaced by the next query
  return pool;
}
