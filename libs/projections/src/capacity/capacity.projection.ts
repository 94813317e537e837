import type { Pool, PoolClient } from 'pg';
import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { requireFacilityEventShape } from '@bistand/placement/facility/facility.event-shape';
import { FACILITY_STREAM_PREFIX, FacilityEventType as F } from '@bistand/placement/facility/facility.events';
import { requirePlacementRequestEventShape } from '@bistand/placement/placement-request/placement-request.event-shape';
import { PLACEMENT_REQUEST_STREAM_PREFIX, PlacementRequestEventType as T } from '@bistand/placement/placement-request/placement-request.events';
import { isId, metadataInstant, ownId, requiredId, requiredString, UnappliableEventError } from '../parked/unappliable-event';
import type { Projection, RebuildTables } from '../projection';
import { insertFromJson, type RowShape, type RowStream } from '../table-rows';

/**
 * Facility capacity (PRODUCT.md §5): each facility's places and status from its stream, and the
 * places its offers hold — `reserved` (open or accepted, not yet placed) and `occupied` (placed,
 * not ended) — from the request streams. Every change also closes the facility's current history
 * row and opens a new one, so `asOf` queries read one row per facility instead of replaying.
 *
 * A batch is applied in memory and written with a handful of set-based statements, each taking its
 * rows as one JSON document.
 *
 * Offers are keyed by request and offer id: ids in event data are trusted only within the stream
 * that holds them, so an event that reuses another request's offer id can never change that
 * request's offer or its facility's numbers. An event that names an offer its own request never made
 * cannot be applied consistently and is refused (the projector parks it), before anything changes.
 */
export const capacityProjection: Projection = {
  name: 'capacity',
  handles: [
    F.FacilityRegistered,
    F.FacilityCapacityChanged,
    F.FacilitySuspended,
    F.FacilityResumed,
    F.FacilityClosed,
    T.OfferMade,
    T.OfferAccepted,
    T.OfferRefused,
    T.OfferWithdrawn,
    T.ChildPlaced,
    T.PlacementEnded,
    T.RequestWithdrawn,
  ],
  async apply(client: PoolClient, events: RecordedEvent[]): Promise<void> {
    const batch = await CapacityBatch.load(client, events);
    for (const event of events) batch.apply(event);
    await batch.save(client);
  },
  rebuild(tables) {
    const batch = CapacityBatch.forRebuild(tables.stream(HISTORY_ROWS));
    return {
      add: (event) => batch.apply(event),
      write: () => batch.saveAll(tables),
    };
  },
};

const OFFER_ROWS: RowShape = { table: 'rm_facility_offers', columns: { offer_id: 'uuid', request_id: 'uuid', facility_id: 'uuid', status: 'text' } };

const FACILITY_ROWS: RowShape = {
  table: 'rm_facilities',
  columns: {
    facility_id: 'uuid',
    name: 'text',
    kind: 'text',
    region: 'text',
    municipality: 'text',
    lat: 'float8',
    lon: 'float8',
    target_groups: 'text[]',
    status: 'text',
    places: 'int',
    occupied: 'int',
    reserved: 'int',
  },
};

const HISTORY_ROWS: RowShape = {
  table: 'rm_capacity_history',
  columns: {
    facility_id: 'uuid',
    valid_from: 'timestamptz',
    valid_to: 'timestamptz',
    region: 'text',
    kind: 'text',
    status: 'text',
    places: 'int',
    occupied: 'int',
    reserved: 'int',
  },
};

type OfferStatus = 'open' | 'accepted' | 'superseded' | 'released' | 'placed' | 'ended';

interface OfferRow {
  offer_id: string;
  request_id: string;
  facility_id: string;
  status: OfferStatus;
}

interface FacilityRow {
  facility_id: string;
  name: string;
  kind: string;
  region: string;
  municipality: string;
  lat: number;
  lon: number;
  target_groups: string[];
  status: string;
  places: number;
  occupied: number;
  reserved: number;
}

interface Version {
  facility_id: string;
  valid_from: Date;
  region: string;
  kind: string;
  status: string;
  places: number;
  occupied: number;
  reserved: number;
}

const HOLDS: Record<OfferStatus, 'reserved' | 'occupied' | null> = {
  open: 'reserved',
  accepted: 'reserved',
  placed: 'occupied',
  superseded: null,
  released: null,
  ended: null,
};

const NO_OFFERS: readonly string[] = [];

/** The list under `key`, made empty if there is none. */
function listIn(lists: Map<string, string[]>, key: string): string[] {
  let list = lists.get(key);
  if (!list) lists.set(key, (list = []));
  return list;
}

/** An offer's key in a batch: offer ids are unique only within their request as far as the read model trusts them. */
function offerKey(requestId: string, offerId: string): string {
  return `${requestId}/${offerId}`;
}

class CapacityBatch {
  private readonly changedOffers = new Set<string>();
  private readonly changedFacilities = new Set<string>();
  private readonly versions: Version[] = [];
  private readonly latestVersion = new Map<string, Version>();

  private readonly offersByRequest = new Map<string, string[]>();
  /**
   * Offers on a facility not registered (yet) in this read model: its FacilityRegistered is parked.
   * Registering it later (a retry) counts what they hold, as a rebuild would.
   */
  private readonly offersOfUnknownFacility = new Map<string, string[]>();

  private constructor(
    private readonly offers: Map<string, OfferRow>,
    private readonly facilities: Map<string, FacilityRow>,
    private readonly openVersions: Map<string, Version>,
    /** In a rebuild, where each version goes as soon as the next one closes it. */
    private readonly history?: RowStream,
  ) {
    for (const [key, offer] of offers) {
      listIn(this.offersByRequest, offer.request_id).push(key);
      if (!facilities.has(offer.facility_id)) listIn(this.offersOfUnknownFacility, offer.facility_id).push(key);
    }
  }

  /** A batch over no stored rows: a rebuild applies every event to one, and writes closed versions to `history` as it goes. */
  static forRebuild(history: RowStream): CapacityBatch {
    return new CapacityBatch(new Map(), new Map(), new Map(), history);
  }

  /** Reads the rows this batch can touch: its facilities, and the offers of its requests. */
  static async load(client: PoolClient, events: RecordedEvent[]): Promise<CapacityBatch> {
    const requestIds = new Set<string>();
    const facilityIds = new Set<string>();
    // Rows are found through the streams the events belong to (what `apply` will accept), not
    // through ids in their data; what is no id is left to `apply` to refuse.
    const idOf = (event: RecordedEvent, prefix: string) => (event.streamId.startsWith(prefix) ? event.streamId.slice(prefix.length) : undefined);
    for (const event of events) {
      const requestId = idOf(event, PLACEMENT_REQUEST_STREAM_PREFIX);
      const facilityId = event.type === T.OfferMade ? (event.data as { facilityId?: unknown } | null)?.facilityId : idOf(event, FACILITY_STREAM_PREFIX);
      if (isId(requestId)) requestIds.add(requestId);
      if (isId(facilityId)) facilityIds.add(facilityId);
    }
    const { rows: offers } = await client.query<OfferRow>('SELECT offer_id, request_id, facility_id, status FROM rm_facility_offers WHERE request_id = ANY ($1::uuid[])', [
      [...requestIds],
    ]);
    // A facility registered now may already have offers (its registration was parked, then retried).
    const registered = events.filter((event) => event.type === F.FacilityRegistered).map((event) => idOf(event, FACILITY_STREAM_PREFIX)).filter(isId);
    if (registered.length > 0) {
      const { rows: early } = await client.query<OfferRow>('SELECT offer_id, request_id, facility_id, status FROM rm_facility_offers WHERE facility_id = ANY ($1::uuid[])', [registered]);
      offers.push(...early.filter((offer) => !requestIds.has(offer.request_id)));
    }
    for (const offer of offers) facilityIds.add(offer.facility_id);
    const { rows: facilities } = await client.query<FacilityRow>('SELECT * FROM rm_facilities WHERE facility_id = ANY ($1::uuid[])', [[...facilityIds]]);
    const { rows: open } = await client.query<Version>('SELECT * FROM rm_capacity_history WHERE facility_id = ANY ($1::uuid[]) AND valid_to IS NULL', [[...facilityIds]]);
    return new CapacityBatch(
      new Map(offers.map((offer) => [offerKey(offer.request_id, offer.offer_id), offer])),
      new Map(facilities.map((facility) => [facility.facility_id, facility])),
      new Map(open.map((version) => [version.facility_id, version])),
    );
  }

  /** Applies one event, or throws `UnappliableEventError` having changed nothing. */
  apply(event: RecordedEvent): void {
    const at = metadataInstant(event, event.metadata.recordedAt, event.recordedAt);
    if (event.type.startsWith('Facility')) return this.applyFacility(event, at);
    // A request with offers here had its id checked when the first was made (or read it from a uuid column).
    const requestId = ownId(event, 'requestId', PLACEMENT_REQUEST_STREAM_PREFIX, this.offersByRequest);
    requirePlacementRequestEventShape(event);
    const keysOfRequest = this.offersByRequest.get(requestId) ?? NO_OFFERS;
    switch (event.type) {
      case T.OfferMade: {
        const offerId = requiredId(event, 'offerId');
        const facilityId = requiredId(event, 'facilityId');
        const key = offerKey(requestId, offerId);
        if (!this.offers.has(key)) {
          this.offers.set(key, { offer_id: offerId, request_id: requestId, facility_id: facilityId, status: 'released' });
          listIn(this.offersByRequest, requestId).push(key); // the lists are this batch's own
          if (!this.facilities.has(facilityId)) listIn(this.offersOfUnknownFacility, facilityId).push(key);
          this.setStatus(key, 'open', at);
        }
        break;
      }
      case T.OfferAccepted: {
        const accepted = this.namedOffer(event, requestId);
        for (const key of keysOfRequest) {
          if (key === accepted) this.setStatus(key, 'accepted', at);
          else if (this.offers.get(key)!.status === 'open') this.setStatus(key, 'superseded', at);
        }
        break;
      }
      case T.OfferRefused:
      case T.OfferWithdrawn:
        this.setStatus(this.namedOffer(event, requestId), 'released', at);
        break;
      case T.ChildPlaced:
        this.setStatus(this.namedOffer(event, requestId), 'placed', at);
        break;
      case T.PlacementEnded:
        for (const key of keysOfRequest) if (this.offers.get(key)!.status === 'placed') this.setStatus(key, 'ended', at);
        break;
      case T.RequestWithdrawn:
        for (const key of keysOfRequest) {
          const status = this.offers.get(key)!.status;
          if (status === 'open' || status === 'accepted') this.setStatus(key, 'released', at);
        }
        break;
    }
  }

  /**
   * The key of the request's own offer the event names: anything else is not this request's to
   * change. A key found was made from a checked offer id (or read from a uuid column), so the id
   * is checked to be a UUID only when it names no offer.
   */
  private namedOffer(event: RecordedEvent, requestId: string): string {
    const offerId = requiredString(event, 'offerId');
    const key = offerKey(requestId, offerId);
    if (this.offers.has(key)) return key;
    if (!isId(offerId)) throw new UnappliableEventError(event, 'data.offerId is not a UUID');
    throw new UnappliableEventError(event, `request ${requestId} made no offer ${offerId}`);
  }

  private applyFacility(recorded: RecordedEvent, at: Date): void {
    const id = ownId(recorded, 'facilityId', FACILITY_STREAM_PREFIX, this.facilities);
    const event = { type: recorded.type, data: recorded.data };
    requireFacilityEventShape(event);
    if (event.type === F.FacilityRegistered) {
      if (this.facilities.has(id)) return;
      const d = event.data;
      const facility: FacilityRow = { facility_id: id, name: d.name, kind: d.kind, region: d.region, municipality: d.municipality, lat: d.location.lat, lon: d.location.lon, target_groups: d.targetGroups, status: 'active', places: d.places, occupied: 0, reserved: 0 };
      for (const key of this.offersOfUnknownFacility.get(id) ?? []) {
        const holds = HOLDS[this.offers.get(key)!.status];
        if (holds) facility[holds]++;
      }
      this.offersOfUnknownFacility.delete(id);
      this.facilities.set(id, facility);
    } else {
      const facility = this.facilities.get(id);
      if (!facility) return;
      if (event.type === F.FacilityCapacityChanged) facility.places = event.data.places;
      else facility.status = event.type === F.FacilitySuspended ? 'suspended' : event.type === F.FacilityResumed ? 'active' : 'closed';
    }
    this.touch(id, at);
  }

  private setStatus(key: string, status: OfferStatus, at: Date): void {
    const offer = this.offers.get(key);
    if (!offer || offer.status === status) return;
    const facility = this.facilities.get(offer.facility_id);
    if (facility) {
      const before = HOLDS[offer.status];
      const after = HOLDS[status];
      if (before) facility[before]--;
      if (after) facility[after]++;
    }
    offer.status = status;
    this.changedOffers.add(key);
    this.touch(offer.facility_id, at);
  }

  /** Records the facility's numbers as a new version from `at`, unless they did not change. */
  private touch(facilityId: string, at: Date): void {
    const facility = this.facilities.get(facilityId);
    if (!facility) return;
    this.changedFacilities.add(facilityId);
    const last = this.latestVersion.get(facilityId) ?? this.openVersions.get(facilityId);
    const { region, kind, status, places, occupied, reserved } = facility;
    if (last && last.status === status && last.places === places && last.occupied === occupied && last.reserved === reserved) return;
    // History rows of one facility need strictly increasing starts, also for events recorded in the same instant.
    const from = last && at.getTime() <= last.valid_from.getTime() ? new Date(last.valid_from.getTime() + 1) : at;
    const version: Version = { facility_id: facilityId, valid_from: from, region, kind, status, places, occupied, reserved };
    if (!this.history) this.versions.push(version);
    else if (this.latestVersion.has(facilityId)) this.history.push({ ...this.latestVersion.get(facilityId)!, valid_to: from });
    this.latestVersion.set(facilityId, version);
  }

  /** Writes what the batch changed over the stored rows, and closes the facilities' open versions it follows on from. */
  async save(client: PoolClient): Promise<void> {
    const { offers, facilities, versions } = this.changedRows();
    if (offers.length > 0) await client.query(insertFromJson(OFFER_ROWS, 'ON CONFLICT (request_id, offer_id) DO UPDATE SET status = EXCLUDED.status'), [JSON.stringify(offers)]);
    if (facilities.length > 0) {
      await client.query(
        insertFromJson(FACILITY_ROWS, 'ON CONFLICT (facility_id) DO UPDATE SET status = EXCLUDED.status, places = EXCLUDED.places, occupied = EXCLUDED.occupied, reserved = EXCLUDED.reserved'),
        [JSON.stringify(facilities)],
      );
    }
    if (versions.length === 0) return;
    const firstStart = new Map<string, Date>();
    for (const version of versions) if (!firstStart.has(version.facility_id)) firstStart.set(version.facility_id, version.valid_from);
    await client.query(
      `UPDATE rm_capacity_history h SET valid_to = c.valid_to FROM unnest($1::uuid[], $2::timestamptz[]) AS c(facility_id, valid_to)
        WHERE h.facility_id = c.facility_id AND h.valid_to IS NULL`,
      [[...firstStart.keys()], [...firstStart.values()]],
    );
    await client.query(insertFromJson(HISTORY_ROWS), [JSON.stringify(versions)]);
  }

  /** Writes the rest of a rebuild's rows: every offer and facility, and the versions still open. */
  async saveAll(tables: RebuildTables): Promise<void> {
    for (const version of this.latestVersion.values()) this.history!.push({ ...version, valid_to: null });
    await Promise.all([tables.copy(OFFER_ROWS, [...this.offers.values()]), tables.copy(FACILITY_ROWS, [...this.facilities.values()]), this.history!.end()]);
  }

  private changedRows(): { offers: OfferRow[]; facilities: FacilityRow[]; versions: (Version & { valid_to: Date | null })[] } {
    // Each version ends where the next one of its facility starts; the newest stays open.
    const validTo = new Map<Version, Date | null>();
    const following = new Map<string, Date>();
    for (let i = this.versions.length - 1; i >= 0; i--) {
      const version = this.versions[i];
      validTo.set(version, following.get(version.facility_id) ?? null);
      following.set(version.facility_id, version.valid_from);
    }
    return {
      offers: [...this.changedOffers].map((id) => this.offers.get(id)!),
      facilities: [...this.changedFacilities].map((id) => this.facilities.get(id)!),
      versions: this.versions.map((version) => ({ ...version, valid_to: validTo.get(version) ?? null })),
    };
  }
}

export interface FacilityLoad {
  reserved: number;
  occupied: number;
}

export async function readFacilityLoad(pool: Pool, facilityId: string): Promise<FacilityLoad> {
  const { rows } = await pool.query<{ reserved: number; occupied: number }>('SELECT reserved, occupied FROM rm_facilities WHERE facility_id = $1', [facilityId]);
  return rows[0] ?? { reserved: 0, occupied: 0 };
}
