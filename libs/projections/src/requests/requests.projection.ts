import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { policyInForce } from '@bistand/placement/breach-policy';
import { BREACH_TYPES } from '@bistand/placement/breach-rules';
import { PLACEMENT_REQUEST_STREAM_PREFIX, PlacementRequestEventType as T } from '@bistand/placement/placement-request/placement-request.events';
import type { OpenPlacementRequest } from '@bistand/placement/placement-request/placement-request.state';
import { insertFromJson, withColumns, type RowShape } from '../table-rows';
import type { BreachRow } from '../breaches/breach-register';
import { isId } from '../parked/unappliable-event';
import type { Projection } from '../projection';
import { ALL_STATISTICS_TABLES, breachCounter, osloMonth, osloPeriod, REQUEST_COUNTERS, retractedCounter, STATISTICS_FROM_ROWS, STATISTICS_TABLES, statisticsKey } from '../read-model-schema';
import { stateFromJson, stateToJson } from './request-state-json';
import { RequestFold, type FoundBreach, type RequestEntry } from './request-fold';

/**
 * Placement requests and the breach register, from the request streams. Each request's state is
 * folded with the domain's own `evolve` (stored as JSON beside the columns queries filter on), and
 * each event is judged by the breach rules under the policy in force when it was recorded.
 */
export const requestsProjection: Projection = {
  name: 'requests-and-breaches',
  handles: Object.values(T),
  async apply(client: PoolClient, events: RecordedEvent[]): Promise<void> {
    const known = await loadRequests(client, events);
    const figuresBefore = new Map([...known].map(([id, entry]) => [id, requestFigures(entry)]));
    const breaches: FoundBreach[] = [];
    const retractions: { id: string; at: Date }[] = [];
    const fold = new RequestFold(known, { breach: (row) => breaches.push(row), retraction: (id, at) => retractions.push({ id, at }) });
    for (const event of events) fold.apply(event);

    await insertBreaches(client, breaches);
    // A retraction can follow its breach within the same batch, so it is applied after the inserts.
    await retractBreaches(client, retractions);
    const changes = [...fold.changed].map(([requestId, position]) => {
      const entry = known.get(requestId)!;
      const figures = requestFigures(entry);
      return { row: requestRow(entry, position, figures), before: figuresBefore.get(requestId), figures };
    });
    await upsertRequests(client, changes.map((change) => change.row));
    await addRequestStatistics(client, changes.map((change) => [change.before, change.figures]));
  },
  rebuild(tables) {
    const breaches = tables.stream(withColumns(BREACH_ROWS, { retracted: 'boolean', retracted_at: 'timestamptz' }));
    const seen = new Set<string>();
    const retractable = new Map<string, BreachRow>();
    const fold = new RequestFold(new Map(), {
      // As in the register: the first breach of an id stands, and its first retraction counts.
      breach: (row) => {
        if (seen.has(row.id)) return;
        seen.add(row.id);
        const stored = { ...row, retracted: false, retracted_at: null };
        // Only a missed deadline can be retracted later: it waits for the end, every other breach is final and goes out now.
        if (row.type === 'NO_OFFER_BEFORE_DEADLINE') retractable.set(row.id, stored);
        else breaches.push(stored);
      },
      retraction: (id, at) => {
        const breach = retractable.get(id);
        if (breach && !breach.retracted) Object.assign(breach, { retracted: true, retracted_at: at });
      },
    });
    return {
      add: (event) => fold.apply(event),
      async write() {
        for (const breach of retractable.values()) breaches.push(breach);
        await Promise.all([tables.copy(REQUEST_ROWS, [...fold.changed].map(([requestId, position]) => requestRow(fold.known.get(requestId)!, position))), breaches.end()]);
        // Counted once from the rows: the same figures the live projection keeps by differences (a test compares the two).
        await tables.fill(STATISTICS_FROM_ROWS, ALL_STATISTICS_TABLES);
      },
    };
  },
};

/** The stored rows of the requests a batch's events belong to (found through their streams, which `apply` checks their ids against). */
async function loadRequests(client: PoolClient, events: RecordedEvent[]): Promise<Map<string, RequestEntry>> {
  const requestIds = [...new Set(events.map((event) => event.streamId.slice(PLACEMENT_REQUEST_STREAM_PREFIX.length)).filter(isId))];
  const { rows } = await client.query<{ request_id: string; state: unknown; offer_deadline: Date; deadline_policy: string; recorded_at: Date }>(
    'SELECT request_id, state, offer_deadline, deadline_policy, recorded_at FROM rm_requests WHERE request_id = ANY ($1::uuid[])',
    [requestIds],
  );
  return new Map(
    rows.map((row) => [row.request_id, { state: stateFromJson(row.state) as OpenPlacementRequest, deadline: row.offer_deadline, policy: row.deadline_policy, recordedAt: row.recorded_at }]),
  );
}

const BREACH_ROWS: RowShape = {
  table: 'rm_breaches',
  columns: {
    id: 'uuid',
    request_id: 'uuid',
    type: 'text',
    occurred_at: 'timestamptz',
    recorded_at: 'timestamptz',
    region: 'text',
    municipality: 'text',
    urgency: 'text',
    placement_kind: 'text',
    offer_id: 'uuid',
    policy_version: 'text',
    position: 'bigint',
  },
};


/**
 * Adds what one statement's RETURNING rows (`changed`: occurred_at, region, municipality, type)
 * changed to every statistics table: `live` and `retracted` are what each row adds to its type's
 * live and retracted counts (+1/0 for a new breach, -1/+1 for a retraction). The text continues the
 * statement's WITH list.
 */
function countBreaches(changed: string, live: number, retracted: number): string {
  const counters = BREACH_TYPES.flatMap((type) => [breachCounter(type), retractedCounter(type)]);
  const values = BREACH_TYPES.flatMap((type) => [`${live} * count(*) FILTER (WHERE type = '${type}')`, `${retracted} * count(*) FILTER (WHERE type = '${type}')`]);
  return addToStatistics(changed, 'occurred_at', counters, values);
}

/**
 * `, t1 AS (INSERT ...), t2 AS (...) SELECT 1`: adds `values` (aggregates over `source`, whose
 * rows carry `instant` and the places) to `counters` of every statistics table.
 */
function addToStatistics(source: string, instant: string, counters: string[], values: string[]): string {
  const add = counters.map((c) => `${c} = s.${c} + EXCLUDED.${c}`).join(', ');
  const inserts = STATISTICS_TABLES.map((table, i) => {
    const keys = [table.period, ...table.place];
    return `statistics_${i} AS (
       INSERT INTO ${table.table} AS s (${keys.join(', ')}, ${counters.join(', ')})
       SELECT ${osloPeriod(table.period, instant)}, ${table.place.join(', ')}, ${values.join(', ')} FROM ${source} GROUP BY ${keys.map((_, k) => k + 1).join(', ')}
       ON CONFLICT (${statisticsKey(table)}) DO UPDATE SET ${add}
     )`;
  });
  return `, ${inserts.join(', ')} SELECT 1`;
}

async function insertBreaches(client: PoolClient, found: FoundBreach[]): Promise<void> {
  // One breach per id: the first finding wins (e.g. a mismatched offer, then its refusal as not matching).
  const rows = [...new Map(found.reverse().map((row) => [row.id, row])).values()].reverse();
  if (rows.length === 0) return;
  await client.query(
    `WITH inserted AS (
       ${insertFromJson(BREACH_ROWS, 'ON CONFLICT (id) DO NOTHING RETURNING occurred_at, region, municipality, type')}
     )
     ${countBreaches('inserted', 1, 0)}`,
    [JSON.stringify(rows)],
  );
}

async function retractBreaches(client: PoolClient, retractions: { id: string; at: Date }[]): Promise<void> {
  if (retractions.length === 0) return;
  // The first retraction of a breach counts; a repeat changes nothing.
  const first = [...new Map([...retractions].reverse().map((r) => [r.id, r])).values()];
  await client.query(
    `WITH retracted AS (
       UPDATE rm_breaches b SET retracted = true, retracted_at = r.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS r (id, at)
        WHERE b.id = r.id AND NOT b.retracted
       RETURNING b.occurred_at, b.region, b.municipality, b.type
     )
     ${countBreaches('retracted', -1, 1)}`,
    [first.map((r) => r.id), first.map((r) => r.at)],
  );
}

const REQUEST_ROWS: RowShape = {
  table: 'rm_requests',
  columns: {
    request_id: 'uuid',
    municipality: 'text',
    region: 'text',
    urgency: 'text',
    status: 'text',
    requested_at: 'timestamptz',
    recorded_at: 'timestamptz',
    first_offer_at: 'timestamptz',
    offer_deadline: 'timestamptz',
    deadline_policy: 'text',
    deadline_state: 'text',
    placed_far: 'boolean',
    outside_home_region: 'boolean',
    hours_to_first_offer: 'float8',
    state: 'jsonb',
    position: 'bigint',
  },
};

/** A request's row in `rm_requests` after the event at `position`. */
function requestRow(entry: RequestEntry, position: bigint, figures = requestFigures(entry)): Record<keyof (typeof REQUEST_ROWS)['columns'], unknown> {
  const { state, deadline, policy, recordedAt } = entry;
  return {
    request_id: state.requestId,
    municipality: state.municipality,
    region: state.region,
    urgency: state.urgency,
    status: state.status,
    requested_at: state.requestedAt,
    recorded_at: recordedAt,
    first_offer_at: figures.firstOfferAt,
    offer_deadline: deadline,
    deadline_policy: policy,
    deadline_state: deadlineState(state, deadline),
    placed_far: figures.placedFar,
    outside_home_region: figures.outsideHomeRegion,
    hours_to_first_offer: figures.hoursToFirstOffer,
    state: stateToJson(state),
    position: position.toString(),
  };
}

async function upsertRequests(client: PoolClient, rows: object[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    insertFromJson(
      REQUEST_ROWS,
      `ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, first_offer_at = EXCLUDED.first_offer_at, deadline_state = EXCLUDED.deadline_state,
         placed_far = EXCLUDED.placed_far, outside_home_region = EXCLUDED.outside_home_region, hours_to_first_offer = EXCLUDED.hours_to_first_offer,
         state = EXCLUDED.state, position = EXCLUDED.position`,
    ),
    [JSON.stringify(rows)],
  );
}

/** What a request adds to the statistics (PRODUCT.md §6), also stored in its row. */
interface RequestFigures {
  requestedAt: Date;
  region: string;
  municipality: string;
  firstOfferAt: Date | null;
  hoursToFirstOffer: number | null;
  beforeDeadline: boolean;
  placedFar: boolean | null;
  outsideHomeRegion: boolean | null;
}

function requestFigures({ state, deadline, recordedAt }: RequestEntry): RequestFigures {
  const firstOfferAt = state.offers.reduce<Date | null>((first, offer) => (first === null || offer.occurredAt < first ? offer.occurredAt : first), null);
  return {
    requestedAt: state.requestedAt,
    region: state.region,
    municipality: state.municipality,
    firstOfferAt,
    hoursToFirstOffer: firstOfferAt === null ? null : (firstOfferAt.getTime() - state.requestedAt.getTime()) / 3_600_000,
    beforeDeadline: firstOfferAt !== null && firstOfferAt < deadline,
    placedFar: state.placement ? state.placement.distanceKm > policyInForce(recordedAt).farFromHomeKm : null,
    outsideHomeRegion: state.placement ? state.placement.outsideHomeRegion : null,
  };
}

/**
 * Moves each request's figures in the monthly statistics from what they were before the batch to
 * what they are after it: one row of differences per request and one per changed hour of delay.
 */
async function addRequestStatistics(client: PoolClient, changes: [RequestFigures | undefined, RequestFigures][]): Promise<void> {
  const counts: { figures: RequestFigures; sign: number }[] = [];
  const delays: { figures: RequestFigures; hour: number; sign: number }[] = [];
  const hour = (figures: RequestFigures | undefined) => (figures?.hoursToFirstOffer == null ? null : Math.floor(figures.hoursToFirstOffer));
  for (const [before, after] of changes) {
    if (!before || !sameCounts(before, after)) {
      if (before) counts.push({ figures: before, sign: -1 });
      counts.push({ figures: after, sign: 1 });
    }
    if (hour(before) !== hour(after)) {
      if (hour(before) !== null) delays.push({ figures: before!, hour: hour(before)!, sign: -1 });
      if (hour(after) !== null) delays.push({ figures: after, hour: hour(after)!, sign: 1 });
    }
  }
  if (counts.length > 0) {
    const signed = (flag: (figures: RequestFigures) => boolean) => counts.map(({ figures, sign }) => (flag(figures) ? sign : 0));
    const counters = [...REQUEST_COUNTERS];
    await client.query(
      `WITH d AS (
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::int[], $8::int[], $9::int[])
           AS d (requested_at, region, municipality, ${counters.join(', ')})
       )
       ${addToStatistics('d', 'requested_at', counters, counters.map((c) => `sum(${c})`))}`,
      [
        counts.map(({ figures }) => figures.requestedAt),
        counts.map(({ figures }) => figures.region),
        counts.map(({ figures }) => figures.municipality),
        signed(() => true),
        signed((f) => f.firstOfferAt !== null),
        signed((f) => f.beforeDeadline),
        signed((f) => f.placedFar !== null),
        signed((f) => f.placedFar === true),
        signed((f) => f.outsideHomeRegion === true),
      ],
    );
  }
  if (delays.length > 0) {
    // An hour whose count drops to zero is removed, so the table holds what a rebuild would write.
    const { rows: emptied } = await client.query<{ month: string; region: string; hour: number }>(
      `WITH counted AS (
         INSERT INTO rm_stats_region_offer_delays AS s (month, region, hour, requests)
         SELECT ${osloMonth('requested_at')}, region, hour, sum(sign) FROM unnest($1::timestamptz[], $2::text[], $3::int[], $4::int[]) AS d (requested_at, region, hour, sign)
          GROUP BY 1, 2, 3
         ON CONFLICT (month, region, hour) DO UPDATE SET requests = s.requests + EXCLUDED.requests
         RETURNING month, region, hour, requests
       )
       SELECT month::text, region, hour FROM counted WHERE requests = 0`,
      [delays.map((d) => d.figures.requestedAt), delays.map((d) => d.figures.region), delays.map((d) => d.hour), delays.map((d) => d.sign)],
    );
    if (emptied.length > 0) {
      await client.query(
        `DELETE FROM rm_stats_region_offer_delays s USING unnest($1::date[], $2::text[], $3::int[]) AS z (month, region, hour)
          WHERE (s.month, s.region, s.hour) = (z.month, z.region, z.hour) AND s.requests = 0`,
        [emptied.map((r) => r.month), emptied.map((r) => r.region), emptied.map((r) => r.hour)],
      );
    }
  }
}

function sameCounts(a: RequestFigures, b: RequestFigures): boolean {
  return (a.firstOfferAt === null) === (b.firstOfferAt === null) && a.beforeDeadline === b.beforeDeadline && a.placedFar === b.placedFar && a.outsideHomeRegion === b.outsideHomeRegion;
}

/** Whether the offer deadline still needs judging: the deadline watcher looks at `pending` rows. */
function deadlineState(state: OpenPlacementRequest, deadline: Date): 'pending' | 'met' | 'missed' | 'cancelled' {
  if (state.deadlineJudged) return state.missedDeadline ? 'missed' : 'met';
  if (state.offers.some((offer) => offer.occurredAt < deadline)) return 'met';
  if (state.withdrawnAt && state.withdrawnAt < deadline) return 'cancelled';
  return 'pending';
}

