import type { FacilityKind, TargetGroup, Urgency } from '../shared';

/**
 * The placement request stream's event catalogue: the single source of the stored type names
 * and their payloads. Stream name: `placement-request-<uuid>`.
 */
export const PlacementRequestEventType = {
  PlacementRequested: 'PlacementRequested',
  OfferMade: 'OfferMade',
  OfferAccepted: 'OfferAccepted',
  OfferRefused: 'OfferRefused',
  OfferWithdrawn: 'OfferWithdrawn',
  NoOfferDeclared: 'NoOfferDeclared',
  OfferDeadlineMissed: 'OfferDeadlineMissed',
  OfferDeadlineMissRetracted: 'OfferDeadlineMissRetracted',
  ChildPlaced: 'ChildPlaced',
  RequestWithdrawn: 'RequestWithdrawn',
  PlacementEnded: 'PlacementEnded',
} as const;

export const REFUSAL_REASONS = ['not_matching_needs', 'too_far', 'child_situation_changed', 'other'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export const PLACEMENT_END_REASONS = ['planned', 'unplanned_move', 'other'] as const;
export type PlacementEndReason = (typeof PLACEMENT_END_REASONS)[number];

export interface PlacementRequested {
  type: typeof PlacementRequestEventType.PlacementRequested;
  data: {
    requestId: string;
    municipality: string;
    childRef: string;
    birthYear: number;
    urgency: Urgency;
    placementKind: FacilityKind;
    targetGroup: TargetGroup;
    neededBy: string;
    legalBasis: string;
    childHeard: boolean;
    region: string;
  };
}

export interface OfferMade {
  type: typeof PlacementRequestEventType.OfferMade;
  data: {
    requestId: string;
    offerId: string;
    facilityId: string;
    facilityKind: FacilityKind;
    facilityTargetGroups: TargetGroup[];
    facilityRegion: string;
    distanceKm: number;
    startDate: string;
    overbooked: boolean;
    overbookReason?: string;
  };
}

export interface OfferAccepted {
  type: typeof PlacementRequestEventType.OfferAccepted;
  data: { requestId: string; offerId: string };
}

export interface OfferRefused {
  type: typeof PlacementRequestEventType.OfferRefused;
  data: { requestId: string; offerId: string; reason: RefusalReason; comment?: string };
}

export interface OfferWithdrawn {
  type: typeof PlacementRequestEventType.OfferWithdrawn;
  data: { requestId: string; offerId: string; reason: string };
}

export interface NoOfferDeclared {
  type: typeof PlacementRequestEventType.NoOfferDeclared;
  data: { requestId: string; reason: string };
}

export interface OfferDeadlineMissed {
  type: typeof PlacementRequestEventType.OfferDeadlineMissed;
  data: { requestId: string; deadline: string; policyVersion: string };
}

export interface OfferDeadlineMissRetracted {
  type: typeof PlacementRequestEventType.OfferDeadlineMissRetracted;
  data: { requestId: string; deadline: string; lateEventId: string };
}

export interface ChildPlaced {
  type: typeof PlacementRequestEventType.ChildPlaced;
  data: {
    requestId: string;
    offerId: string;
    facilityId: string;
    placedAt: string;
    distanceKm: number;
    outsideHomeRegion: boolean;
  };
}

export interface RequestWithdrawn {
  type: typeof PlacementRequestEventType.RequestWithdrawn;
  data: { requestId: string; reason: string };
}

export interface PlacementEnded {
  type: typeof PlacementRequestEventType.PlacementEnded;
  data: { requestId: string; endedAt: string; reason: PlacementEndReason };
}

export type PlacementRequestEvent =
  | PlacementRequested
  | OfferMade
  | OfferAccepted
  | OfferRefused
  | OfferWithdrawn
  | NoOfferDeclared
  | OfferDeadlineMissed
  | OfferDeadlineMissRetracted
  | ChildPlaced
  | RequestWithdrawn
  | PlacementEnded;

export const PLACEMENT_REQUEST_STREAM_PREFIX = 'placement-request-';

export function placementRequestStream(requestId: string): string {
  return `${PLACEMENT_REQUEST_STREAM_PREFIX}${requestId}`;
}
