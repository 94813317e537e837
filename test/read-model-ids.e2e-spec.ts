import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { Projector } from '@bistand/projections/projector';
import { eventually, RawEvents, sqlPool } from './support/parked';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Ids in event data are trusted only within the stream that holds them (issue 8, point 2): the
 * write side refuses an offer id reused on another request, but old or imported events may hold
 * one, and must not reach another request's offers, facility numbers or breaches. What cannot be
 * applied consistently is parked (PRODUCT.md §9), never mis-applied.
 */
describe('read models trust ids only within their stream', () => {
  let testApp: TestApp;
  let s: Scenario;
  let raw: RawEvents;
  let sql: Pool;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    raw = new RawEvents(testApp);
    sql = sqlPool(testApp);
  });
  afterAll(async () => {
    await sql.end();
    await testApp.close();
  });

  const offerMade = (requestId: string, offerId: string, facilityId: string) => ({
    requestId,
    offerId,
    facilityId,
    facilityKind: 'institution',
    facilityTargetGroups: ['behaviour'],
    facilityRegion: 'nord',
    distanceKm: 3,
    startDate: '2025-03-03',
    overbooked: false,
  });
  const settled = async () => expect(await testApp.app.get(Projector).catchUp(30_000)).toBe(true);
  const load = async (facilityId: string) => (await sql.query('SELECT reserved, occupied FROM rm_facilities WHERE facility_id = $1', [facilityId])).rows[0];
  const offersOf = async (offerId: string) =>
    (await sql.query('SELECT request_id, facility_id, status FROM rm_facility_offers WHERE offer_id = $1 ORDER BY facility_id', [offerId])).rows as { request_id: string; facility_id: string; status: string }[];
  const parkedAt = async (position: bigint) => (await sql.query('SELECT projection, error FROM rm_parked_events WHERE position = $1 ORDER BY projection', [position.toString()])).rows as { projection: string; error: string }[];
  const offerStatuses = async (requestId: string) =>
    ((await sql.query('SELECT state FROM rm_requests WHERE request_id = $1', [requestId])).rows[0].state as { offers: { offerId: string; status: string }[] }).offers.map((o) => [o.offerId, o.status]);

  it("an offer id reused on another request becomes that request's own offer: the first request's offer and facility do not move", async () => {
    const first = await s.facility({ places: 5 });
    const second = await s.facility({ places: 5 });
    const a = await s.request();
    const b = await s.request();
    const shared = randomUUID();
    const template = await raw.template(a, 'PlacementRequested');
    await raw.append(a, 'OfferMade', offerMade(a, shared, first), template);
    await settled();
    // B's events reuse A's offer id, in separate batches and in one.
    await raw.append(b, 'OfferMade', offerMade(b, shared, second), template);
    await settled();
    await raw.append(b, 'OfferWithdrawn', { requestId: b, offerId: shared, reason: 'imported' }, template);
    await settled();

    expect(await offersOf(shared)).toEqual(
      [
        { request_id: a, facility_id: first, status: 'open' },
        { request_id: b, facility_id: second, status: 'released' },
      ].sort((x, y) => x.facility_id.localeCompare(y.facility_id)),
    );
    expect(await load(first)).toEqual({ reserved: 1, occupied: 0 });
    expect(await load(second)).toEqual({ reserved: 0, occupied: 0 });
    expect(await offerStatuses(a)).toEqual([[shared, 'open']]);
    expect(await offerStatuses(b)).toEqual([[shared, 'withdrawn']]);
    expect((await sql.query('SELECT count(*)::int AS n FROM rm_parked_events')).rows[0].n).toBe(0);
  });

  it("an event naming another request's id in its data is parked in every projection, and that request is untouched", async () => {
    const facilityId = await s.facility({ places: 5 });
    const victim = await s.request();
    const intruder = await s.request();
    const offerId = randomUUID();
    const template = await raw.template(victim, 'PlacementRequested');
    await raw.append(victim, 'OfferMade', offerMade(victim, offerId, facilityId), template);
    await settled();
    // Recorded in the intruder's stream, but its data says it is about the victim's offer.
    const forged = await raw.append(intruder, 'OfferWithdrawn', { requestId: victim, offerId, reason: 'forged' }, template);
    await settled();

    const parked = await eventually(async () => ((await parkedAt(forged.position)).length === 2 ? parkedAt(forged.position) : undefined), 'the forged event parked');
    expect(parked.map((p) => p.projection)).toEqual(['capacity', 'requests-and-breaches']);
    for (const p of parked) expect(p.error).toMatch(/does not belong to this stream/);
    expect(await offersOf(offerId)).toEqual([{ request_id: victim, facility_id: facilityId, status: 'open' }]);
    expect(await load(facilityId)).toEqual({ reserved: 1, occupied: 0 });
    expect(await offerStatuses(victim)).toEqual([[offerId, 'open']]);
  });

  it('an event naming an offer its request never made is parked, not applied to the request or its facility', async () => {
    const facilityId = await s.facility({ places: 5 });
    const other = await s.request();
    const request = await s.request();
    const othersOffer = randomUUID();
    const ownOffer = randomUUID();
    const template = await raw.template(request, 'PlacementRequested');
    await raw.append(other, 'OfferMade', offerMade(other, othersOffer, facilityId), template);
    await raw.append(request, 'OfferMade', offerMade(request, ownOffer, facilityId), template);
    await settled();
    // In one batch with the other request's events: accepting (and placing) an offer this request never made.
    const accepted = await raw.append(request, 'OfferAccepted', { requestId: request, offerId: othersOffer }, template);
    await raw.append(request, 'ChildPlaced', { requestId: request, offerId: othersOffer, facilityId, placedAt: new Date().toISOString(), distanceKm: 3, outsideHomeRegion: false }, template);
    await settled();

    const parked = await parkedAt(accepted.position);
    expect(parked.map((p) => p.projection)).toEqual(['capacity', 'requests-and-breaches']);
    for (const p of parked) expect(p.error).toMatch(/made no offer/);
    expect(await offersOf(othersOffer)).toEqual([{ request_id: other, facility_id: facilityId, status: 'open' }]);
    expect(await offersOf(ownOffer)).toEqual([{ request_id: request, facility_id: facilityId, status: 'open' }]);
    expect(await load(facilityId)).toEqual({ reserved: 2, occupied: 0 });
    expect((await sql.query('SELECT status FROM rm_requests WHERE request_id = $1', [request])).rows[0].status).toBe('offered');
    expect((await sql.query('SELECT count(*)::int AS n FROM rm_breaches WHERE request_id = $1', [request])).rows[0].n).toBe(0);
  });
});
