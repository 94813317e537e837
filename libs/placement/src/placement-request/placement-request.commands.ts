import type { FacilityKind, GeoPoint, TargetGroup } from '../shared';
import type { PlacementEndReason, PlacementRequested, RefusalReason } from './placement-request.events';

/** What the decider needs to know of the offered facility, read by the handler before deciding. */
export interface OfferedFacility {
  facilityId: string;
  kind: FacilityKind;
  region: string;
  targetGroups: TargetGroup[];
  location: GeoPoint;
  status: 'active' | 'suspended' | 'closed';
  /** Free places now: places − occupied − reserved, floored at 0. */
  available: number;
}

/**
 * Commands on a placement request. Time (`occurredAt`, `now`) and ids come in from the caller;
 * the decider reads no clock and makes no ids. `lateEventId` is the id the command's own late
 * event (OfferMade, OfferWithdrawn, RequestWithdrawn: always the first event the decider returns)
 * will be stored with, so `OfferDeadlineMissRetracted.lateEventId` points at it.
 */
export type PlacementRequestCommand =
  | ({ type: 'FileRequest' } & PlacementRequested['data'])
  | {
      type: 'MakeOffer';
      offerId: string;
      facility: OfferedFacility;
      /** The home municipality's centre, for the great-circle distance. */
      homeCentre: GeoPoint;
      startDate: string;
      overbook: boolean;
      overbookReason?: string;
      /** The event id OfferMade will be stored with: a retraction it carries names it (PRODUCT.md §3). */
      lateEventId: string;
    }
  | { type: 'AcceptOffer'; offerId: string }
  | { type: 'RefuseOffer'; offerId: string; reason: RefusalReason; comment?: string }
  | { type: 'WithdrawOffer'; offerId: string; reason: string; lateEventId: string }
  | { type: 'DeclareNoOffer'; reason: string }
  | { type: 'PlaceChild'; offerId: string; placedAt: string; facilityLocation: GeoPoint; facilityRegion: string; homeCentre: GeoPoint }
  | { type: 'WithdrawRequest'; reason: string; lateEventId: string }
  | { type: 'EndPlacement'; endedAt: string; reason: PlacementEndReason }
  /** The system's deadline watcher, once the offer deadline has passed. */
  | { type: 'MarkOfferDeadlineMissed'; deadline: Date; policyVersion: string };

export interface CommandContext {
  /** Business time of the fact. */
  occurredAt: Date;
  /** The server's clock, for the "not in the future" rule. */
  now: Date;
}
