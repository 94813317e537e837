import type { FacilityKind, TargetGroup, Urgency } from '../shared';
import { UnfoldableEventError } from '../unfoldable-event';
import { requirePlacementRequestEventShape } from './placement-request.event-shape';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request.events';

export const REQUEST_STATUSES = ['requested', 'offered', 'accepted', 'placed', 'ended', 'withdrawn', 'no_offer'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/** `superseded`: still open when another offer of the same request was accepted. */
export type OfferStatus = 'open' | 'accepted' | 'refused' | 'withdrawn' | 'superseded' | 'placed';

export interface OfferState {
  offerId: string;
  facilityId: string;
  facilityKind: FacilityKind;
  facilityRegion: string;
  distanceKm: number;
  startDate: string;
  overbooked: boolean;
  status: OfferStatus;
  occurredAt: Date;
}

export interface PlacementState {
  offerId: string;
  facilityId: string;
  placedAt: string;
  distanceKm: number;
  outsideHomeRegion: boolean;
  endedAt?: string;
}

export interface OpenPlacementRequest {
  exists: true;
  requestId: string;
  status: RequestStatus;
  municipality: string;
  region: string;
  childRef: string;
  birthYear: number;
  urgency: Urgency;
  placementKind: FacilityKind;
  targetGroup: TargetGroup;
  neededBy: string;
  legalBasis: string;
  childHeard: boolean;
  requestedAt: Date;
  offers: OfferState[];
  placement: PlacementState | null;
  /** The offer deadline the system judged missed, while not retracted. */
  missedDeadline: { deadline: Date; eventId: string } | null;
  /** The deadline was judged once (even if retracted since): it is never judged again. */
  deadlineJudged: boolean;
  withdrawnAt: Date | null;
  /**
   * Business time of the newest fact registered by people: no later command may be dated before
   * it. The system's own deadline judgements do not count, or a late-registered offer dated before
   * the deadline (PRODUCT.md §4) could never be recorded.
   */
  lastOccurredAt: Date;
}

export type PlacementRequestState = { exists: false } | OpenPlacementRequest;

export const initialPlacementRequestState: PlacementRequestState = { exists: false };

/** An event as read back: the catalogue event plus the metadata the rules need. */
export type Recorded<E> = E & { eventId: string; occurredAt: Date };

/**
 * Folds one event into the request's state. Strict (PRODUCT.md §9): an event of an unknown type,
 * with missing or mistyped fields, or one the decider could never have produced in this state (a
 * second filing, an answer to an offer the stream never made, an event of another request) throws
 * UnfoldableEventError rather than folding into a plausible but false state.
 */
export function evolvePlacementRequest(state: PlacementRequestState, event: Recorded<PlacementRequestEvent>): PlacementRequestState {
  requirePlacementRequestEventShape(event);
  if (event.type === T.PlacementRequested) {
    if (state.exists) throw new UnfoldableEventError(event.type, `request ${state.requestId} was already filed`);
    const request = event.data;
    return {
      exists: true,
      requestId: request.requestId,
      municipality: request.municipality,
      region: request.region,
      childRef: request.childRef,
      birthYear: request.birthYear,
      urgency: request.urgency,
      placementKind: request.placementKind,
      targetGroup: request.targetGroup,
      neededBy: request.neededBy,
      legalBasis: request.legalBasis,
      childHeard: request.childHeard,
      status: 'requested',
      requestedAt: event.occurredAt,
      offers: [],
      placement: null,
      missedDeadline: null,
      deadlineJudged: false,
      withdrawnAt: null,
      lastOccurredAt: event.occurredAt,
    };
  }
  if (!state.exists) throw new UnfoldableEventError(event.type, 'the stream has no PlacementRequested before it');
  if (event.data.requestId !== state.requestId) throw new UnfoldableEventError(event.type, `it names request ${event.data.requestId}, not ${state.requestId}`);
  const bySystem = event.type === T.OfferDeadlineMissed || event.type === T.OfferDeadlineMissRetracted;
  const lastOccurredAt = bySystem ? state.lastOccurredAt : maxDate(state.lastOccurredAt, event.occurredAt);
  // Each case copies the state once (`{ ...state, lastOccurredAt, ... }`): a rebuild folds every event of a year through here.
  switch (event.type) {
    case T.OfferMade: {
      const { offerId, facilityId, facilityKind, facilityRegion, distanceKm, startDate, overbooked } = event.data;
      if (findOffer(state, offerId)) throw new UnfoldableEventError(event.type, `offer ${offerId} was already made`);
      const offer: OfferState = { offerId, facilityId, facilityKind, facilityRegion, distanceKm, startDate, overbooked, status: 'open', occurredAt: event.occurredAt };
      return { ...state, lastOccurredAt, status: 'offered', offers: [...state.offers, offer] };
    }
    case T.OfferAccepted: {
      requireKnownOffer(state, event);
      const offers = state.offers.map((offer): OfferState => {
        if (offer.offerId === event.data.offerId) return { ...offer, status: 'accepted' };
        return offer.status === 'open' ? { ...offer, status: 'superseded' } : offer;
      });
      return { ...state, lastOccurredAt, status: 'accepted', offers };
    }
    case T.OfferRefused:
      requireKnownOffer(state, event);
      return reopenIfNoOfferLeft(state, lastOccurredAt, setOfferStatus(state.offers, event.data.offerId, 'refused'));
    case T.OfferWithdrawn:
      requireKnownOffer(state, event);
      return reopenIfNoOfferLeft(state, lastOccurredAt, setOfferStatus(state.offers, event.data.offerId, 'withdrawn'));
    case T.NoOfferDeclared:
      return { ...state, lastOccurredAt, status: 'no_offer' };
    case T.OfferDeadlineMissed:
      return { ...state, lastOccurredAt, missedDeadline: { deadline: new Date(event.data.deadline), eventId: event.eventId }, deadlineJudged: true };
    case T.OfferDeadlineMissRetracted:
      return { ...state, lastOccurredAt, missedDeadline: null };
    case T.ChildPlaced: {
      const { offerId, facilityId, placedAt, distanceKm, outsideHomeRegion } = event.data;
      if (requireKnownOffer(state, event).facilityId !== facilityId) throw new UnfoldableEventError(event.type, `offer ${offerId} is not of facility ${facilityId}`);
      return { ...state, lastOccurredAt, status: 'placed', placement: { offerId, facilityId, placedAt, distanceKm, outsideHomeRegion }, offers: setOfferStatus(state.offers, offerId, 'placed') };
    }
    case T.RequestWithdrawn:
      return { ...state, lastOccurredAt, status: 'withdrawn', withdrawnAt: event.occurredAt };
    case T.PlacementEnded:
      if (!state.placement) throw new UnfoldableEventError(event.type, 'the child was never placed');
      return { ...state, lastOccurredAt, status: 'ended', placement: { ...state.placement, endedAt: event.data.endedAt } };
    default: {
      const unknown: never = event;
      throw new UnfoldableEventError((unknown as { type: string }).type, 'not an event type of a placement request stream');
    }
  }
}

function requireKnownOffer(state: OpenPlacementRequest, event: { type: string; data: { offerId: string } }): OfferState {
  const offer = findOffer(state, event.data.offerId);
  if (!offer) throw new UnfoldableEventError(event.type, `offer ${event.data.offerId} was never made on this request`);
  return offer;
}

/** A loop, not `find`: every offer event of a rebuild looks its offer up. */
function findOffer(state: OpenPlacementRequest, offerId: string): OfferState | undefined {
  for (const offer of state.offers) if (offer.offerId === offerId) return offer;
  return undefined;
}

/** Offers that still hold a place for this request (open, or accepted and not yet placed). */
export function liveOffers(state: OpenPlacementRequest): OfferState[] {
  return state.offers.filter((offer) => offer.status === 'open' || offer.status === 'accepted');
}

/** The state with `offers` after one of them closed: back to `offered` or `requested` unless another accepted one holds. */
function reopenIfNoOfferLeft(state: OpenPlacementRequest, lastOccurredAt: Date, offers: OfferState[]): OpenPlacementRequest {
  let status: RequestStatus = 'requested';
  for (const offer of offers) {
    if (offer.status === 'accepted') status = 'accepted';
    else if (offer.status === 'open' && status === 'requested') status = 'offered';
  }
  return { ...state, lastOccurredAt, offers, status };
}

function setOfferStatus(offers: OfferState[], offerId: string, status: OfferStatus): OfferState[] {
  return offers.map((offer) => (offer.offerId === offerId ? { ...offer, status } : offer));
}

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
