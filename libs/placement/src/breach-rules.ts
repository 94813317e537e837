import { DEFAULT_BREACH_POLICY, type BreachPolicy } from './breach-policy';
import { deterministicUuid } from './deterministic-id';
import { neededByInstant } from './offer-deadline';
import type { FacilityKind, TargetGroup, Urgency } from './shared';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request/placement-request.events';

export const BREACH_TYPES = [
  'NO_OFFER_BEFORE_DEADLINE',
  'NO_OFFER_DECLARED',
  'OFFER_NOT_MATCHING_NEEDS',
  'PLACED_FAR_FROM_HOME',
  'PLACED_AFTER_NEEDED_BY',
] as const;
export type BreachType = (typeof BREACH_TYPES)[number];

/** What the rules need to know of the request the events belong to. */
export interface RequestFacts {
  requestId: string;
  urgency: Urgency;
  placementKind: FacilityKind;
  targetGroup: TargetGroup;
  neededBy: string;
}

/** A breach as the rules find it in one event; ids and the register's bookkeeping come from the caller. */
export interface BreachFinding {
  type: BreachType;
  offerId: string | null;
  occurredAt: Date;
  policyVersion: string;
}

/**
 * The assistance-duty rules of PRODUCT.md §4 applied to one event of a request: which breaches it
 * records. `NO_OFFER_BEFORE_DEADLINE` is recorded from the system's `OfferDeadlineMissed`, judged
 * by the deadline watcher; its retraction is handled by the register. `policy` is the one in force
 * when the event was recorded, so a later policy never rewrites old breaches.
 */
export function findBreaches(
  request: RequestFacts,
  event: PlacementRequestEvent,
  occurredAt: Date,
  policy: BreachPolicy = DEFAULT_BREACH_POLICY,
): BreachFinding[] {
  const finding = (type: BreachType, offerId: string | null = null, at = occurredAt, policyVersion = policy.version): BreachFinding => ({
    type,
    offerId,
    occurredAt: at,
    policyVersion,
  });
  switch (event.type) {
    case T.OfferDeadlineMissed:
      return [finding('NO_OFFER_BEFORE_DEADLINE', null, new Date(event.data.deadline), event.data.policyVersion)];
    case T.NoOfferDeclared:
      return [finding('NO_OFFER_DECLARED')];
    case T.OfferMade: {
      const { facilityKind, facilityTargetGroups, offerId } = event.data;
      const matches = facilityKind === request.placementKind && facilityTargetGroups.includes(request.targetGroup);
      return matches ? [] : [finding('OFFER_NOT_MATCHING_NEEDS', offerId)];
    }
    case T.OfferRefused:
      return event.data.reason === 'not_matching_needs' ? [finding('OFFER_NOT_MATCHING_NEEDS', event.data.offerId)] : [];
    case T.ChildPlaced: {
      const findings: BreachFinding[] = [];
      if (event.data.distanceKm > policy.farFromHomeKm) findings.push(finding('PLACED_FAR_FROM_HOME', event.data.offerId));
      const graceHours = request.urgency === 'planned' ? policy.plannedNeededByGraceHours : policy.acuteNeededByGraceHours;
      const latest = neededByInstant(request.neededBy).getTime() + graceHours * 3_600_000;
      if (Date.parse(event.data.placedAt) > latest) findings.push(finding('PLACED_AFTER_NEEDED_BY', event.data.offerId));
      return findings;
    }
    default:
      return [];
  }
}

/** A breach's id follows from what it is about, so replaying all events yields the same register. */
export function breachId(requestId: string, type: BreachType, offerId: string | null): string {
  return deterministicUuid(`breach\n${requestId}\n${type}\n${offerId ?? ''}`);
}
