import type { Migration } from '@bistand/event-store/postgres/migrator';
import { BREACH_TYPES } from '@bistand/placement/breach-rules';

/**
 * The read models live in their own schema, reached through the read-model pool's search_path, so
 * a rebuild can fill a fresh schema beside it and swap the two in one transaction.
 */
export const READ_MODEL_SCHEMA = 'read_models';

/** The counters of a statistics row besides its month and place. */
export const REQUEST_COUNTERS = ['requests', 'offered', 'before_deadline', 'placed', 'placed_far', 'outside_home_region'] as const;

/** The counter of live breaches of a type: `no_offer_before_deadline` for NO_OFFER_BEFORE_DEADLINE, and so on. */
export function breachCounter(type: string): string {
  return type.toLowerCase();
}

/** The counter of retracted breaches of a type: `no_offer_before_deadline_retracted`, and so on. */
export function retractedCounter(type: string): string {
  return `${breachCounter(type)}_retracted`;
}

/** A statistics table kept by differences: its period column (`month` or `day`, in Oslo) and what it counts per. */
export interface StatisticsTable {
  table: string;
  period: 'month' | 'day';
  place: readonly string[];
}

export const STATISTICS_TABLES: readonly StatisticsTable[] = [
  { table: 'rm_stats_region', period: 'month', place: ['region'] },
  { table: 'rm_stats_municipality', period: 'month', place: ['region', 'municipality'] },
  { table: 'rm_stats_region_daily', period: 'day', place: ['region'] },
];

/** Every table of statistics: the ones kept per period and place, and the offer delays per hour. */
export const ALL_STATISTICS_TABLES: readonly string[] = [...STATISTICS_TABLES.map((table) => table.table), 'rm_stats_region_offer_delays'];

/** A statistics table's primary key: its period and the finest place it counts per. */
export function statisticsKey({ period, place }: StatisticsTable): string {
  return `${period}, ${place[place.length - 1]}`;
}

/**
 * Fills the statistics tables from the rows they summarise (a read model that existed before the
 * statistics did). The projection keeps them up to date by differences afterwards; a test checks
 * that both ways give the same rows.
 */
export const STATISTICS_FROM_ROWS = statisticsFromRows(STATISTICS_TABLES, BREACH_TYPES);

/**
 * What migration 4 made and fills, whatever the code later adds: a later statistics table or
 * breach type comes with a migration of its own.
 */
const MIGRATION_4 = {
  tables: STATISTICS_TABLES.slice(0, 3),
  breachTypes: ['NO_OFFER_BEFORE_DEADLINE', 'NO_OFFER_DECLARED', 'OFFER_NOT_MATCHING_NEEDS', 'PLACED_FAR_FROM_HOME', 'PLACED_AFTER_NEEDED_BY'],
};

function statisticsFromRows(tables: readonly StatisticsTable[], breachTypes: readonly string[]): string {
  return [
    ...tables.map((table) => statisticsOfTableFromRows(table, breachTypes)),
    `INSERT INTO rm_stats_region_offer_delays (month, region, hour, requests)
     SELECT ${osloMonth('requested_at')}, region, floor(hours_to_first_offer)::int, count(*)
       FROM rm_requests WHERE hours_to_first_offer IS NOT NULL GROUP BY 1, 2, 3;`,
  ].join('\n');
}

function statisticsOfTableFromRows({ table, period, place }: StatisticsTable, breachTypes: readonly string[]): string {
  const keys = [period, ...place];
  const breachCounters = breachTypes.flatMap((t) => [breachCounter(t), retractedCounter(t)]);
  const groupBy = keys.map((_, i) => i + 1).join(', ');
  return `
  INSERT INTO ${table} (${keys.join(', ')}, ${REQUEST_COUNTERS.join(', ')}, ${breachCounters.join(', ')})
  SELECT ${keys.join(', ')}, ${[...REQUEST_COUNTERS.map((c) => `r.${c}`), ...breachCounters.map((c) => `b.${c}`)].map((c) => `coalesce(${c}, 0)`).join(', ')}
    FROM (SELECT ${osloPeriod(period, 'requested_at')} AS ${period}, ${place.join(', ')}, count(*) AS requests, count(hours_to_first_offer) AS offered,
                 count(*) FILTER (WHERE first_offer_at < offer_deadline) AS before_deadline, count(placed_far) AS placed,
                 count(*) FILTER (WHERE placed_far) AS placed_far, count(*) FILTER (WHERE outside_home_region) AS outside_home_region
            FROM rm_requests GROUP BY ${groupBy}) AS r
    FULL JOIN (SELECT ${osloPeriod(period, 'occurred_at')} AS ${period}, ${place.join(', ')},
                      ${breachTypes
                        .flatMap((t) => [
                          `count(*) FILTER (WHERE type = '${t}' AND NOT retracted) AS ${breachCounter(t)}`,
                          `count(*) FILTER (WHERE type = '${t}' AND retracted) AS ${retractedCounter(t)}`,
                        ])
                        .join(', ')}
                 FROM rm_breaches GROUP BY ${groupBy}) AS b USING (${keys.join(', ')});`;
}

/** The counter columns of a statistics table (written out: a migration must not change when the code does). */
const STATISTICS_COUNTERS = `requests int NOT NULL DEFAULT 0,
        offered int NOT NULL DEFAULT 0,
        before_deadline int NOT NULL DEFAULT 0,
        placed int NOT NULL DEFAULT 0,
        placed_far int NOT NULL DEFAULT 0,
        outside_home_region int NOT NULL DEFAULT 0,
        no_offer_before_deadline int NOT NULL DEFAULT 0,
        no_offer_before_deadline_retracted int NOT NULL DEFAULT 0,
        no_offer_declared int NOT NULL DEFAULT 0,
        no_offer_declared_retracted int NOT NULL DEFAULT 0,
        offer_not_matching_needs int NOT NULL DEFAULT 0,
        offer_not_matching_needs_retracted int NOT NULL DEFAULT 0,
        placed_far_from_home int NOT NULL DEFAULT 0,
        placed_far_from_home_retracted int NOT NULL DEFAULT 0,
        placed_after_needed_by int NOT NULL DEFAULT 0,
        placed_after_needed_by_retracted int NOT NULL DEFAULT 0`;

/** SQL for the first day of the Oslo calendar month an instant falls in. */
export function osloMonth(instant: string): string {
  return `date_trunc('month', ${instant} AT TIME ZONE 'Europe/Oslo')::date`;
}

/** SQL for the Oslo calendar day, or the first day of the month, an instant falls in. */
export function osloPeriod(period: 'month' | 'day', instant: string): string {
  return period === 'month' ? osloMonth(instant) : `(${instant} AT TIME ZONE 'Europe/Oslo')::date`;
}

/** Tables of the read side. Checkpoints live beside the rows they vouch for. */
export const readModelMigrations: Migration[] = [
  {
    version: 1,
    name: 'checkpoints',
    sql: `
      CREATE TABLE rm_checkpoints (
        projection text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 2,
    name: 'requests-and-breaches',
    sql: `
      -- One row per placement request: its folded state plus the columns lists, the deadline
      -- watcher and the statistics filter on.
      CREATE TABLE rm_requests (
        request_id uuid PRIMARY KEY,
        municipality text NOT NULL,
        region text NOT NULL,
        urgency text NOT NULL,
        status text NOT NULL,
        requested_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        first_offer_at timestamptz,
        offer_deadline timestamptz NOT NULL,
        deadline_policy text NOT NULL,
        deadline_state text NOT NULL, -- pending | met | missed | cancelled
        placed_far boolean,
        outside_home_region boolean,
        state jsonb NOT NULL,
        position bigint NOT NULL
      );
      CREATE INDEX rm_requests_list ON rm_requests (region, municipality, status, request_id);
      CREATE INDEX rm_requests_pending_deadline ON rm_requests (offer_deadline) WHERE deadline_state = 'pending';
      CREATE INDEX rm_requests_requested_at ON rm_requests (requested_at);

      -- The breach register: never deleted; a retraction is a mark with its time.
      CREATE TABLE rm_breaches (
        id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        type text NOT NULL,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        region text NOT NULL,
        municipality text NOT NULL,
        urgency text NOT NULL,
        placement_kind text NOT NULL,
        offer_id uuid,
        policy_version text NOT NULL,
        retracted boolean NOT NULL DEFAULT false,
        retracted_at timestamptz,
        position bigint NOT NULL
      );
      CREATE INDEX rm_breaches_list ON rm_breaches (occurred_at, id) INCLUDE (region, municipality, type, retracted);
      CREATE INDEX rm_breaches_request ON rm_breaches (request_id);
      -- Keyset pages in (occurred_at, id) order, also within one region, municipality or type.
      CREATE INDEX rm_breaches_region ON rm_breaches (region, occurred_at, id);
      CREATE INDEX rm_breaches_municipality ON rm_breaches (municipality, occurred_at, id);
      CREATE INDEX rm_breaches_type ON rm_breaches (type, occurred_at, id);
    `,
  },
  {
    version: 3,
    name: 'capacity',
    sql: `
      -- Each facility's current numbers, and every version of them with the (recorded) time range it held.
      CREATE TABLE rm_facilities (
        facility_id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        region text NOT NULL,
        municipality text NOT NULL,
        lat double precision NOT NULL,
        lon double precision NOT NULL,
        target_groups text[] NOT NULL,
        status text NOT NULL,
        places int NOT NULL,
        occupied int NOT NULL DEFAULT 0,
        reserved int NOT NULL DEFAULT 0
      );
      CREATE TABLE rm_capacity_history (
        facility_id uuid NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_to timestamptz,
        region text NOT NULL,
        kind text NOT NULL,
        status text NOT NULL,
        places int NOT NULL,
        occupied int NOT NULL,
        reserved int NOT NULL,
        PRIMARY KEY (facility_id, valid_from)
      );
      -- asOf finds the version valid at an instant through its range; "now" through the open versions.
      CREATE INDEX rm_capacity_history_range ON rm_capacity_history USING spgist (tstzrange(valid_from, valid_to, '[)'));
      CREATE INDEX rm_capacity_history_open ON rm_capacity_history (facility_id) WHERE valid_to IS NULL;
      -- One row per offer, enough to count a facility's reserved and occupied places.
      CREATE TABLE rm_facility_offers (
        offer_id uuid PRIMARY KEY,
        request_id uuid NOT NULL,
        facility_id uuid NOT NULL,
        status text NOT NULL
      );
      CREATE INDEX rm_facility_offers_facility ON rm_facility_offers (facility_id, status);
      CREATE INDEX rm_facility_offers_request ON rm_facility_offers (request_id);
    `,
  },
  {
    version: 4,
    name: 'statistics',
    sql: `
      -- Hours from filing to the first offer, in the projection's own arithmetic: the statistics'
      -- median is found through the counts per whole hour below, then read exactly from here.
      ALTER TABLE rm_requests ADD COLUMN hours_to_first_offer double precision;
      UPDATE rm_requests SET hours_to_first_offer = (extract(epoch FROM first_offer_at - requested_at) * 1000)::float8 / 3600000
       WHERE first_offer_at IS NOT NULL;
      CREATE INDEX rm_requests_offer_delay ON rm_requests (hours_to_first_offer) INCLUDE (requested_at, region, municipality)
       WHERE hours_to_first_offer IS NOT NULL;
      -- Covering: the statistics count the requests of a time range from the index alone (the rows are wide).
      DROP INDEX rm_requests_requested_at;
      CREATE INDEX rm_requests_requested_at ON rm_requests (requested_at)
        INCLUDE (region, municipality, first_offer_at, offer_deadline, placed_far, outside_home_region, hours_to_first_offer);

      -- Statistics per Oslo calendar month (the first day of the month), per region and per
      -- municipality, kept by the projection with each batch's differences, so GET
      -- /v1/breaches/stats sums a few hundred (by region) or a few thousand (by municipality) rows,
      -- not every request. Requests count in the month they were filed, breaches (live and retracted,
      -- per type) in the month they occurred.
      CREATE TABLE rm_stats_region (
        month date NOT NULL,
        region text NOT NULL,
        ${STATISTICS_COUNTERS},
        PRIMARY KEY (month, region)
      );
      CREATE TABLE rm_stats_municipality (
        month date NOT NULL,
        region text NOT NULL,
        municipality text NOT NULL,
        ${STATISTICS_COUNTERS},
        PRIMARY KEY (month, municipality)
      );
      -- The same per region and Oslo day, for the whole days at the edges of a range.
      CREATE TABLE rm_stats_region_daily (
        day date NOT NULL,
        region text NOT NULL,
        ${STATISTICS_COUNTERS},
        PRIMARY KEY (day, region)
      );
      -- How many requests got their first offer within each whole hour after filing (hour = floor).
      CREATE TABLE rm_stats_region_offer_delays (
        month date NOT NULL,
        region text NOT NULL,
        hour int NOT NULL,
        requests int NOT NULL,
        PRIMARY KEY (month, region, hour)
      );
      -- A municipality's median: its requests in order of hours to first offer.
      CREATE INDEX rm_requests_municipality_delay ON rm_requests (municipality, hours_to_first_offer) INCLUDE (requested_at)
       WHERE hours_to_first_offer IS NOT NULL;
      ${statisticsFromRows(MIGRATION_4.tables, MIGRATION_4.breachTypes)}
    `,
  },
  {
    version: 5,
    name: 'parked-events-and-offer-keys',
    sql: `
      -- Events a projection could not apply (PRODUCT.md §9): the failing event and every later event
      -- of its stream, per projection, with the error, until an admin retries them. A stream is
      -- parked for a projection while it has a row here.
      CREATE TABLE rm_parked_events (
        projection text NOT NULL,
        position bigint NOT NULL,
        stream_id text NOT NULL,
        type text NOT NULL,
        error text NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, position)
      );
      CREATE INDEX rm_parked_events_stream ON rm_parked_events (projection, stream_id);

      -- An offer id is only an offer within its request: one request's events must never reach
      -- another request's offer rows, even if an old or imported event reuses an id.
      ALTER TABLE rm_facility_offers DROP CONSTRAINT rm_facility_offers_pkey;
      DROP INDEX rm_facility_offers_request;
      ALTER TABLE rm_facility_offers ADD PRIMARY KEY (request_id, offer_id);
    `,
  },
  {
    version: 6,
    name: 'due-deadlines-keyset',
    sql: `
      -- The deadline watcher pages through due requests by keyset (offer_deadline, request_id), many
      -- requests may share one deadline instant (due-deadlines.ts): an index on both columns, in
      -- that order and under the query's own predicate, reads a page in order without sorting the
      -- requests of a shared instant. The rebuild builds the same index (from the catalogue).
      CREATE INDEX rm_requests_due_deadlines ON rm_requests (offer_deadline, request_id) WHERE deadline_state = 'pending';
      DROP INDEX rm_requests_pending_deadline;
    `,
  },
];
