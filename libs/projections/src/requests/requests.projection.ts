import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { policyInForce } from '@bistand/placement/breach-policy';
import { BREACH_TYPES, breachId, findBreaches, type BreachFinding } from '@bistand/placement/breach-rules';
import { offerDeadline } from '@bistand/placement/offer-deadline';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from '@bistand/placement/placement-request/placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type OpenPlacementRequest, type PlacementRequestState } from '@bistand/placement/placement-request/placement-request.state';
import type { Projection } from '../projection';
import { breachCounter, osloMonth, osloPeriod, REQUEST_COUNTERS, retractedCounter, STATISTICS_TABLES, statisticsKey } from '../read-model-schema';
import { stateFromJson, stateToJson } from './request-state-json';

/**
 * Placement requests and the breach register, from the request streams. Each request's state is
 * folded with the domain's own `evolve` (stored as JSON beside the columns queries filter on), and
 * each event is judged by the breach rules under the policy in force when it was recorded.
 */
export const requestsProjection: Projection = {
  name: 'requests-and-breaches',
  handles: Object.values(T),
  async apply(client: PoolClient, events: RecordedEvent[]): Promise<void> {
    const requestIds = [...new Set(events.map((event) => (event.data as { requestId: string }).requestId))];
    const { rows } = await client.query<{ request_id: string; state: unknown; offer_deadline: Date; deadline_policy: string; recorded_at: Date }>(
      'SELECT request_id, state, offer_deadline, deadline_policy, recorded_at FROM rm_requests WHERE request_id = ANY ($1::uuid[])',
      [requestIds],
    );
    const known = new Map(rows.map((row) => [row.request_id, { state: stateFromJson(row.state), deadline: row.offer_deadline, policy: row.deadline_policy, recordedAt: row.recorded_at }]));
    const figuresBefore = new Map([...known].flatMap(([id, entry]) => (entry.state.exists ? [[id, requestFigures({ ...entry, state: entry.state })] as const] : [])));
    const changed = new Map<string, bigint>();

    const breaches: BreachRow[] = [];
    const retractions: { id: string; at: Date }[] = [];
    for (const recorded of events) {
      const event = { type: recorded.type, data: recorded.data } as PlacementRequestEvent;
      const requestId = event.data.requestId;
      const occurredAt = businessTime(recorded);
      const recordedAt = recordedTime(recorded);
      const before = known.get(requestId);
      const state: PlacementRequestState = evolvePlacementRequest(before?.state ?? initialPlacementRequestState, { ...event, eventId: recorded.eventId, occurredAt });
      if (!state.exists) continue;
      let entry = before;
      if (event.type === T.PlacementRequested) {
        const policy = policyInForce(recordedAt);
        entry = { state, deadline: offerDeadline({ urgency: state.urgency, requestedAt: state.requestedAt, neededBy: state.neededBy }, policy), policy: policy.version, recordedAt };
      }
      if (!entry) continue;
      known.set(requestId, { ...entry, state });
      changed.set(requestId, recorded.position);
      if (event.type === T.OfferDeadlineMissRetracted) {
        retractions.push({ id: breachId(requestId, 'NO_OFFER_BEFORE_DEADLINE', null), at: recordedAt });
        continue;
      }
      for (const finding of findBreaches(state, event, occurredAt, policyInForce(recordedAt))) {
        breaches.push({ id: breachId(requestId, finding.type, finding.offerId), request: state, finding, recordedAt, position: recorded.position });
      }
    }

    await insertBreaches(client, breaches);
    // A retraction can follow its breach within the same batch, so it is applied after the inserts.
    await retractBreaches(client, retractions);
    const entries = [...changed].flatMap(([requestId, position]) => {
      const entry = known.get(requestId)!;
      if (!entry.state.exists) return [];
      const now = { ...entry, state: entry.state, position };
      return [{ ...now, figures: requestFigures(now) }];
    });
    await upsertRequests(client, entries);
    await addRequestStatistics(client, entries.map((entry) => [figuresBefore.get(entry.state.requestId), entry.figures]));
  },
};

interface BreachRow {
  id: string;
  request: OpenPlacementRequest;
  finding: BreachFinding;
  recordedAt: Date;
  position: bigint;
}

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

async function insertBreaches(client: PoolClient, found: BreachRow[]): Promise<void> {
  // One breach per id: the first finding wins (e.g. a mismatched offer, then its refusal as not matching).
  const rows = [...new Map(found.reverse().map((row) => [row.id, row])).values()].reverse();
  if (rows.length === 0) return;
  await client.query(
    `WITH inserted AS (
       INSERT INTO rm_breaches (id, request_id, type, occurred_at, recorded_at, region, municipality, urgency, placement_kind, offer_id, policy_version, position)
       SELECT * FROM json_to_recordset($1::json) AS r (id uuid, request_id uuid, type text, occurred_at timestamptz, recorded_at timestamptz, region text,
                            municipality text, urgency text, placement_kind text, offer_id uuid, policy_version text, position bigint)
       ON CONFLICT (id) DO NOTHING
       RETURNING occurred_at, region, municipality, type
     )
     ${countBreaches('inserted', 1, 0)}`,
    [
      JSON.stringify(
        rows.map((r) => ({
          id: r.id,
          request_id: r.request.requestId,
          type: r.finding.type,
          occurred_at: r.finding.occurredAt,
          recorded_at: r.recordedAt,
          region: r.request.region,
          municipality: r.request.municipality,
          urgency: r.request.urgency,
          placement_kind: r.request.placementKind,
          offer_id: r.finding.offerId,
          policy_version: r.finding.policyVersion,
          position: r.position.toString(),
        })),
      ),
    ],
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

interface RequestEntry {
  state: OpenPlacementRequest;
  deadline: Date;
  policy: string;
  recordedAt: Date;
  position: bigint;
}

async function upsertRequests(client: PoolClient, entries: (RequestEntry & { figures: RequestFigures })[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map(({ state, deadline, policy, recordedAt, position, figures }) => ({
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
  }));
  // The rows travel as one JSON document: one native JSON.stringify instead of escaping every element of sixteen arrays.
  await client.query(
    `INSERT INTO rm_requests (request_id, municipality, region, urgency, status, requested_at, recorded_at, first_offer_at, offer_deadline, deadline_policy,
                              deadline_state, placed_far, outside_home_region, hours_to_first_offer, state, position)
     SELECT * FROM json_to_recordset($1::json) AS r (request_id uuid, municipality text, region text, urgency text, status text, requested_at timestamptz,
                          recorded_at timestamptz, first_offer_at timestamptz, offer_deadline timestamptz, deadline_policy text, deadline_state text,
                          placed_far boolean, outside_home_region boolean, hours_to_first_offer float8, state jsonb, position bigint)
     ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, first_offer_at = EXCLUDED.first_offer_at, deadline_state = EXCLUDED.deadline_state,
       placed_far = EXCLUDED.placed_far, outside_home_region = EXCLUDED.outside_home_region, hours_to_first_offer = EXCLUDED.hours_to_first_offer,
       state = EXCLUDED.state, position = EXCLUDED.position`,
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

function requestFigures({ state, deadline, recordedAt }: Omit<RequestEntry, 'position'>): RequestFigures {
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

function businessTime(recorded: RecordedEvent): Date {
  return typeof recorded.metadata.occurredAt === 'string' ? new Date(recorded.metadata.occurredAt) : recorded.recordedAt;
}

function recordedTime(recorded: RecordedEvent): Date {
  return typeof recorded.metadata.recordedAt === 'string' ? new Date(recorded.metadata.recordedAt) : recorded.recordedAt;
}
