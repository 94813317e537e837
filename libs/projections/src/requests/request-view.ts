import type { OpenPlacementRequest } from '@bistand/placement/placement-request/placement-request.state';

/** A placement request as the API shows it, in a single request's answer and in lists alike. */
export function requestView(state: OpenPlacementRequest, recordedAt: string | undefined) {
  return {
    id: state.requestId,
    status: state.status,
    municipality: state.municipality,
    region: state.region,
    childRef: state.childRef,
    birthYear: state.birthYear,
    urgency: state.urgency,
    placementKind: state.placementKind,
    targetGroup: state.targetGroup,
    neededBy: state.neededBy,
    legalBasis: state.legalBasis,
    childHeard: state.childHeard,
    occurredAt: state.requestedAt.toISOString(),
    recordedAt,
    offers: state.offers.map((offer) => ({
      offerId: offer.offerId,
      facilityId: offer.facilityId,
      facilityKind: offer.facilityKind,
      facilityRegion: offer.facilityRegion,
      status: offer.status,
      distanceKm: offer.distanceKm,
      startDate: offer.startDate,
      overbooked: offer.overbooked,
      occurredAt: offer.occurredAt.toISOString(),
    })),
    placement: state.placement,
  };
}
