import type { FacilityKind, TargetGroup, Urgency } from '../shared';
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

export function evolvePlacementRequest(state: PlacementRequestState, event: Recorded<PlacementRequestEvent>): PlacementRequestState {
  if (event.type === T.PlacementRequested) {
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
  if (!state.exists) return state;
  const bySystem = event.type === T.OfferDeadlineMissed || event.type === T.OfferDeadlineMissRetracted;
  const next: OpenPlacementRequest = { ...state, lastOccurredAt: bySystem ? state.lastOccurredAt : maxDate(state.lastOccurredAt, event.occurredAt) };
  switch (event.type) {
    case T.OfferMade: {
      const { offerId, facilityId, facilityKind, facilityRegion, distanceKm, startDate, overbooked } = event.data;
      const offer: OfferState = { offerId, facilityId, facilityKind, facilityRegion, distanceKm, startDate, overbooked, status: 'open', occurredAt: event.occurredAt };
      return { ...next, status: 'offered', offers: [...state.offers, offer] };
    }
    case T.OfferAccepted: {
      const offers = state.offers.map((offer): OfferState => {
        if (offer.offerId === event.data.offerId) return { ...offer, status: 'accepted' };
        return offer.status === 'open' ? { ...offer, status: 'superseded' } : offer;
      });
      return { ...next, status: 'accepted', offers };
    }
    case T.OfferRefused:
      return reopenIfNoOfferLeft({ ...next, offers: setOfferStatus(state.offers, event.data.offerId, 'refused') });
    case T.OfferWithdrawn:
      return reopenIfNoOfferLeft({ ...next, offers: setOfferStatus(state.offers, event.data.offerId, 'withdrawn') });
    case T.NoOfferDeclared:
      return { ...next, status: 'no_offer' };
    case T.OfferDeadlineMissed:
      return { ...next, missedDeadline: { deadline: new Date(event.data.deadline), eventId: event.eventId }, deadlineJudged: true };
    case T.OfferDeadlineMissRetracted:
      return { ...next, missedDeadline: null };
    case T.ChildPlaced: {
      const { offerId, facilityId, placedAt, distanceKm, outsideHomeRegion } = event.data;
      return { ...next, status: 'placed', placement: { offerId, facilityId, placedAt, distanceKm, outsideHomeRegion }, offers: setOfferStatus(state.offers, offerId, 'placed') };
    }
    case T.RequestWithdrawn:
      return { ...next, status: 'withdrawn', withdrawnAt: event.occurredAt };
    case T.PlacementEnded:
      return { ...next, status: 'ended', placement: state.placement && { ...state.placement, endedAt: event.data.endedAt } };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** Offers that still hold a place for this request (open, or accepted and not yet placed). */
export function liveOffers(state: OpenPlacementRequest): OfferState[] {
  return state.offers.filter((offer) => offer.status === 'open' || offer.status === 'accepted');
}

function reopenIfNoOfferLeft(state: OpenPlacementRequest): OpenPlacementRequest {
  const live = liveOffers(state);
  if (live.some((offer) => offer.status === 'accepted')) return { ...state, status: 'accepted' };
  return { ...state, status: live.length > 0 ? 'offered' : 'requested' };
}

function setOfferStatus(offers: OfferState[], offerId: string, status: OfferStatus): OfferState[] {
  return offers.map((offer) => (offer.offerId === offerId ? { ...offer, status } : offer));
}

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
