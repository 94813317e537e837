import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ProblemException } from '@bistand/http/problem';
import type { FacilityState } from '@bistand/placement/facility/facility.decider';
import type { OfferedFacility } from '@bistand/placement/placement-request/placement-request.commands';
import { capacityProjection, readFacilityLoad, type FacilityLoad } from '@bistand/projections/capacity/capacity.projection';
import { PlacementRequestEventType } from '@bistand/placement/placement-request/placement-request.events';
import { Projector } from '@bistand/projections/projector';
import { loadStream } from '../pipeline/stream-loader';
import { facilityModel, facilityStream } from './facility.stream';

/** How long an offer waits for the facility load to include every committed event. */
const CATCH_UP_TIMEOUT_MS = 5_000;

/**
 * A facility as an offer or placement sees it: its registered facts from its stream and its free
 * places from the facility-load projection, caught up to the store's head first.
 *
 * The figures are only as fresh as the catch-up: two offers that both catch up and then both
 * append would each see the other's place as free. MakeOfferHandler therefore calls `offerable`
 * only while it holds the facility's lock (ExclusiveLocks), so the previous holder's offer is
 * committed, hence below the head this catch-up waits for.
 */
@Injectable()
export class FacilityAvailability {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly readModels: Pool,
    private readonly projector: Projector,
  ) {}

  async facility(facilityId: string): Promise<Extract<FacilityState, { exists: true }>> {
    const { state } = await loadStream(this.store, facilityStream(facilityId), facilityModel);
    if (!state.exists) {
      throw new ProblemException(422, 'FACILITY.NOT_FOUND', 'Unprocessable Content', `No facility ${facilityId}`, {
        errors: [{ field: 'facilityId', message: `facility ${facilityId} does not exist` }],
      });
    }
    return state;
  }

  /** Reserved and occupied places, including every event committed before this call. */
  async load(facilityId: string): Promise<FacilityLoad> {
    await this.catchUp();
    return readFacilityLoad(this.readModels, facilityId);
  }

  /** The facility as a new offer sees it, with every committed event counted in its load. */
  async offerable(facilityId: string): Promise<OfferedFacility> {
    const facility = await this.facility(facilityId);
    const load = await this.load(facilityId);
    await this.refuseWhenParked((streamId, offers) => streamId === facilityStream(facilityId) || offers.some((offer) => offer.facilityId === facilityId));
    return {
      facilityId,
      kind: facility.kind,
      region: facility.region,
      targetGroups: facility.targetGroups,
      location: facility.location,
      status: facility.status,
      available: Math.max(0, facility.places - load.occupied - load.reserved),
    };
  }

  /**
   * Whether `offerId` already belongs to another request than `requestId` (PRODUCT.md §5: offer
   * ids are unique across all requests). Exact only after a catch-up, under the offer id's lock.
   */
  async offerIdTakenElsewhere(offerId: string, requestId: string): Promise<boolean> {
    await this.refuseWhenParked((_, offers) => offers.some((offer) => offer.offerId === offerId));
    const { rows } = await this.readModels.query('SELECT 1 FROM rm_facility_offers WHERE offer_id = $1 AND request_id <> $2 LIMIT 1', [offerId, requestId]);
    return rows.length > 0;
  }

  /**
   * The capacity read model lacks the streams parked for it (PRODUCT.md §9): a facility whose own
   * events, or an offer on it, wait there would look freer than it is, and an offer id held by a
   * parked request would look free. Such an offer is answered 503 until an admin has the parked
   * events applied again; offers on every other facility go on. Parked streams are rare, so
   * only streams with a parked offer are read from the store, and in the common case (nothing parked) this
   * is one indexed query.
   */
  private async refuseWhenParked(affects: (streamId: string, offers: { offerId: unknown; facilityId: unknown }[]) => boolean): Promise<void> {
    // Only a parked offer can hold a place or an id the figures lack (events before a stream's first
    // parked one were applied), and a parked facility event leaves the facility's own figures stale.
    const { rows } = await this.readModels.query<{ stream_id: string }>(
      "SELECT DISTINCT stream_id FROM rm_parked_events WHERE projection = $1 AND (type = $2 OR stream_id LIKE 'facility-%')",
      [capacityProjection.name, PlacementRequestEventType.OfferMade],
    );
    for (const { stream_id: streamId } of rows) {
      const offers = (await this.store.readStream(streamId))
        .filter((event) => event.type === PlacementRequestEventType.OfferMade)
        .map((event) => event.data as { offerId: unknown; facilityId: unknown });
      if (affects(streamId, offers)) {
        throw new ProblemException(
          503,
          'READ_MODEL.PARKED',
          'Service Unavailable',
          'The capacity figures this offer needs lack parked events (GET /v1/admin/parked-events); an admin must apply them again (POST /v1/admin/parked-events/retry) before offers on this facility or with this offer id can be decided',
        );
      }
    }
  }

  private async catchUp(): Promise<void> {
    if (!(await this.projector.catchUp(CATCH_UP_TIMEOUT_MS))) {
      throw new ProblemException(503, 'READ_MODEL.BEHIND', 'Service Unavailable', 'The capacity figures are catching up; retry in a moment');
    }
  }
}
