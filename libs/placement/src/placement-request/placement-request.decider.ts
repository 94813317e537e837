import { checkBusinessTime } from '../business-time';
import { DomainError } from '../domain-error';
import { distanceKm } from '../distance';
import type { CommandContext, PlacementRequestCommand } from './placement-request.commands';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request.events';
import { liveOffers, type OfferState, type OpenPlacementRequest, type PlacementRequestState, type RequestStatus } from './placement-request.state';

/**
 * The placement request's rules: a command and the state of its stream in, the new events out,
 * or a DomainError. Pure: no clock, no ids, no I/O.
 */
export function decidePlacementRequest(
  command: PlacementRequestCommand,
  state: PlacementRequestState,
  context: CommandContext,
): PlacementRequestEvent[] {
  if (command.type === 'FileRequest') {
    if (state.exists) throw new DomainError('REQUEST.ALREADY_EXISTS', `Placement request ${command.requestId} already exists`, { status: state.status });
    checkBusinessTime(context.occurredAt, context.now, undefined);
    const { type: _, ...data } = command;
    return [{ type: T.PlacementRequested, data }];
  }
  if (!state.exists) throw new DomainError('REQUEST.NOT_FOUND', 'Placement request not found');
  if (command.type === 'MarkOfferDeadlineMissed') return judgeOfferDeadline(state, command.deadline, command.policyVersion, context.now);
  checkBusinessTime(context.occurredAt, context.now, state.lastOccurredAt);
  const requestId = state.requestId;

  switch (command.type) {
    case 'MakeOffer': {
      requireStatus(state, ['requested', 'offered', 'no_offer']);
      if (state.offers.some((offer) => offer.offerId === command.offerId)) {
        throw new DomainError('OFFER.ALREADY_EXISTS', `Offer ${command.offerId} already exists on this request`, { offerId: command.offerId });
      }
      const { facility } = command;
      if (facility.status !== 'active') {
        throw new DomainError('FACILITY.NOT_ACCEPTING', `Facility ${facility.facilityId} is ${facility.status}`, { facilityStatus: facility.status });
      }
      if (facility.available <= 0 && !command.overbook) {
        throw new DomainError('FACILITY.FULL', `Facility ${facility.facilityId} has no available place; send "overbook": true with a reason to offer anyway`, {
          available: facility.available,
        });
      }
      const offerMade: PlacementRequestEvent = {
        type: T.OfferMade,
        data: {
          requestId,
          offerId: command.offerId,
          facilityId: facility.facilityId,
          facilityKind: facility.kind,
          facilityTargetGroups: facility.targetGroups,
          facilityRegion: facility.region,
          distanceKm: distanceKm(command.homeCentre, facility.location),
          startDate: command.startDate,
          overbooked: facility.available <= 0,
          ...(facility.available <= 0 && command.overbookReason ? { overbookReason: command.overbookReason } : {}),
        },
      };
      return [offerMade, ...retractMissedDeadline(state, context, command.lateEventId)];
    }
    case 'AcceptOffer': {
      requireStatus(state, ['offered']);
      requireOffer(state, command.offerId, ['open']);
      return [{ type: T.OfferAccepted, data: { requestId, offerId: command.offerId } }];
    }
    case 'RefuseOffer': {
      requireStatus(state, ['offered']);
      requireOffer(state, command.offerId, ['open']);
      return [{ type: T.OfferRefused, data: { requestId, offerId: command.offerId, reason: command.reason, ...(command.comment ? { comment: command.comment } : {}) } }];
    }
    case 'WithdrawOffer': {
      requireStatus(state, ['offered', 'accepted']);
      requireOffer(state, command.offerId, ['open', 'accepted']);
      return [
        { type: T.OfferWithdrawn, data: { requestId, offerId: command.offerId, reason: command.reason } },
        ...retractMissedDeadline(state, context, command.lateEventId),
      ];
    }
    case 'DeclareNoOffer': {
      requireStatus(state, ['requested']);
      return [{ type: T.NoOfferDeclared, data: { requestId, reason: command.reason } }];
    }
    case 'PlaceChild': {
      requireStatus(state, ['accepted']);
      const offer = requireOffer(state, command.offerId, ['accepted']);
      return [
        {
          type: T.ChildPlaced,
          data: {
            requestId,
            offerId: offer.offerId,
            facilityId: offer.facilityId,
            placedAt: command.placedAt,
            distanceKm: distanceKm(command.homeCentre, command.facilityLocation),
            outsideHomeRegion: command.facilityRegion !== state.region,
          },
        },
      ];
    }
    case 'WithdrawRequest': {
      requireStatus(state, ['requested', 'offered', 'accepted', 'no_offer']);
      return [{ type: T.RequestWithdrawn, data: { requestId, reason: command.reason } }, ...retractMissedDeadline(state, context, command.lateEventId)];
    }
    case 'EndPlacement': {
      requireStatus(state, ['placed']);
      if (state.placement && Date.parse(command.endedAt) < Date.parse(state.placement.placedAt)) {
        throw new DomainError('TIME.BEFORE_PREVIOUS_EVENT', 'endedAt lies before placedAt', { field: 'endedAt', placedAt: state.placement.placedAt });
      }
      return [{ type: T.PlacementEnded, data: { requestId, endedAt: command.endedAt, reason: command.reason } }];
    }
    default: {
      const unknown: never = command;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * PRODUCT.md §4, NO_OFFER_BEFORE_DEADLINE: once the deadline has passed, a request with no offer
 * dated before it (and not withdrawn before it) gets `OfferDeadlineMissed`, exactly once. Returns no
 * events when there is nothing to record, so the watcher can ask as often as it likes.
 */
function judgeOfferDeadline(state: OpenPlacementRequest, deadline: Date, policyVersion: string, now: Date): PlacementRequestEvent[] {
  const before = (at: Date | null) => at !== null && at.getTime() < deadline.getTime();
  if (now.getTime() < deadline.getTime() || state.deadlineJudged) return [];
  if (state.offers.some((offer) => before(offer.occurredAt)) || before(state.withdrawnAt)) return [];
  return [{ type: T.OfferDeadlineMissed, data: { requestId: state.requestId, deadline: deadline.toISOString(), policyVersion } }];
}

/**
 * PRODUCT.md §4, late registration: an offer or withdrawal dated before a deadline that was
 * already judged missed retracts that judgement in the same append.
 */
function retractMissedDeadline(state: OpenPlacementRequest, context: CommandContext, lateEventId: string): PlacementRequestEvent[] {
  const missed = state.missedDeadline;
  if (!missed || context.occurredAt.getTime() >= missed.deadline.getTime()) return [];
  return [{ type: T.OfferDeadlineMissRetracted, data: { requestId: state.requestId, deadline: missed.deadline.toISOString(), lateEventId } }];
}

function requireStatus(state: OpenPlacementRequest, allowed: RequestStatus[]): void {
  if (!allowed.includes(state.status)) {
    throw new DomainError('REQUEST.WRONG_STATUS', `The request is ${state.status}; this needs it to be ${allowed.join(' or ')}`, {
      status: state.status,
      allowed,
    });
  }
}

function requireOffer(state: OpenPlacementRequest, offerId: string, allowed: OfferState['status'][]): OfferState {
  const offer = state.offers.find((candidate) => candidate.offerId === offerId);
  if (!offer) throw new DomainError('OFFER.NOT_FOUND', `Offer ${offerId} not found on this request`, { offerId });
  if (!allowed.includes(offer.status)) {
    throw new DomainError('OFFER.WRONG_STATUS', `Offer ${offerId} is ${offer.status}; this needs it to be ${allowed.join(' or ')}`, {
      offerId,
      offerStatus: offer.status,
      status: state.status,
    });
  }
  return offer;
}

export { liveOffers };
