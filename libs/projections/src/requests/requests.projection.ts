import type { PoolClient } from 'pg';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { policyInForce } from '@bistand/placement/breach-policy';
import { breachId, findBreaches, type BreachFinding } from '@bistand/placement/breach-rules';
import { offerDeadline } from '@bistand/placement/offer-deadline';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from '@bistand/placement/placement-request/placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type OpenPlacementRequest, type PlacementRequestState } from '@bistand/placement/placement-request/placement-request.state';
import type { Projection } from '../projection';
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
    for (const { id, at } of retractions) {
      // A retraction can follow its breach within the same batch, so it is applied after the inserts.
      await client.query('UPDATE rm_breaches SET retracted = true, retracted_at = $2 WHERE id = $1 AND NOT retracted', [id, at]);
    }
    await upsertRequests(
      client,
      [...changed].flatMap(([requestId, position]) => {
        const entry = known.get(requestId)!;
        return entry.state.exists ? [{ ...entry, state: entry.state, position }] : [];
      }),
    );
  },
};

interface BreachRow {
  id: string;
  request: OpenPlacementRequest;
  finding: BreachFinding;
  recordedAt: Date;
  position: bigint;
}

async function insertBreaches(client: PoolClient, found: BreachRow[]): Promise<void> {
  // One breach per id: the first finding wins (e.g. a mismatched offer, then its refusal as not matching).
  const rows = [...new Map(found.reverse().map((row) => [row.id, row])).values()].reverse();
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO rm_breaches (id, request_id, type, occurred_at, recorded_at, region, municipality, urgency, placement_kind, offer_id, policy_version, position)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[], $10::uuid[], $11::text[], $12::bigint[])
     ON CONFLICT (id) DO NOTHING`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.request.requestId),
      rows.map((r) => r.finding.type),
      rows.map((r) => r.finding.occurredAt),
      rows.map((r) => r.recordedAt),
      rows.map((r) => r.request.region),
      rows.map((r) => r.request.municipality),
      rows.map((r) => r.request.urgency),
      rows.map((r) => r.request.placementKind),
      rows.map((r) => r.finding.offerId),
      rows.map((r) => r.finding.policyVersion),
      rows.map((r) => r.position.toString()),
    ],
  );
}

interface RequestEntry {
  state: OpenPlacementRequest;
  deadline: Date;
  policy: string;
  recordedAt: Date;
  position: bigint;
}

async function upsertRequests(client: PoolClient, entries: RequestEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map(({ state, deadline, policy, recordedAt, position }) => ({
    id: state.requestId,
    municipality: state.municipality,
    region: state.region,
    urgency: state.urgency,
    status: state.status,
    requestedAt: state.requestedAt,
    recordedAt,
    firstOffer: state.offers.reduce<Date | null>((first, offer) => (first === null || offer.occurredAt < first ? offer.occurredAt : first), null),
    deadline,
    policy,
    deadlineState: deadlineState(state, deadline),
    placedFar: state.placement ? state.placement.distanceKm > policyInForce(recordedAt).farFromHomeKm : null,
    outside: state.placement ? state.placement.outsideHomeRegion : null,
    state: JSON.stringify(stateToJson(state)),
    position: position.toString(),
  }));
  const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((row) => row[key]);
  await client.query(
    `INSERT INTO rm_requests (request_id, municipality, region, urgency, status, requested_at, recorded_at, first_offer_at, offer_deadline, deadline_policy,
                              deadline_state, placed_far, outside_home_region, state, position)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[],
                          $10::text[], $11::text[], $12::boolean[], $13::boolean[], $14::jsonb[], $15::bigint[])
     ON CONFLICT (request_id) DO UPDATE SET status = EXCLUDED.status, first_offer_at = EXCLUDED.first_offer_at, deadline_state = EXCLUDED.deadline_state,
       placed_far = EXCLUDED.placed_far, outside_home_region = EXCLUDED.outside_home_region, state = EXCLUDED.state, position = EXCLUDED.position`,
    [
      col('id'),
      col('municipality'),
      col('region'),
      col('urgency'),
      col('status'),
      col('requestedAt'),
      col('recordedAt'),
      col('firstOffer'),
      col('deadline'),
      col('policy'),
      col('deadlineState'),
      col('placedFar'),
      col('outside'),
      col('state'),
      col('position'),
    ],
  );
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
