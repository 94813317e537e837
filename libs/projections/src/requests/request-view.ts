import type { Pool } from 'pg';
import type { OpenPlacementRequest } from '@bistand/placement/placement-request/placement-request.state';

/** Facility id → its municipality: the one place detail an offer shows beyond kind and region. */
export type FacilityMunicipalities = ReadonlyMap<string, string>;

/**
 * A placement request as the API shows it, in a single request's answer and in lists alike.
 * Every caller who may read the request may see it whole: an offer carries the facility's id,
 * kind, region, municipality and distance, never its name or location (PRODUCT.md §1), since a
 * foster home is a family's home and the municipality that filed is a reader of this view.
 */
export function requestView(state: OpenPlacementRequest, recordedAt: string | undefined, facilityMunicipalities: FacilityMunicipalities = new Map()) {
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
      facilityMunicipality: facilityMunicipalities.get(offer.facilityId) ?? null,
      status: offer.status,
      distanceKm: offer.distanceKm,
      startDate: offer.startDate,
      overbooked: offer.overbooked,
      occurredAt: offer.occurredAt.toISOString(),
    })),
    placement: state.placement,
  };
}

/** The municipalities of the facilities offered on these requests, in one read of the facilities read model. */
export async function facilityMunicipalitiesOf(pool: Pool, states: readonly OpenPlacementRequest[]): Promise<FacilityMunicipalities> {
  const ids = [...new Set(states.flatMap((state) => state.offers.map((offer) => offer.facilityId)))];
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<{ facility_id: string; municipality: string }>('SELECT facility_id, municipality FROM rm_facilities WHERE facility_id = ANY ($1::uuid[])', [ids]);
  return new Map(rows.map((row) => [row.facility_id, row.municipality]));
}
