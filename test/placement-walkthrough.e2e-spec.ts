import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';
import { bearer, callers } from './support/tokens';

describe('a placement request from filing to placement', () => {
  let testApp: TestApp;
  let as: (caller: keyof typeof callers) => string;

  beforeAll(async () => {
    testApp = await startTestApp();
    as = (caller) => bearer(testApp.config, callers[caller]);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const http = () => request(testApp.app.getHttpServer());

  async function registerFacility(body: Record<string, unknown>): Promise<string> {
    const response = await http()
      .post('/v1/facilities')
      .set('Authorization', as('nordCoordinator'))
      .send({ name: 'Tromsø ungdomshjem', kind: 'institution', region: 'nord', municipality: '5501', location: { lat: 69.68, lon: 18.99 }, places: 2, targetGroups: ['behaviour', 'acute'], ...body });
    expect(response.status).toBe(201);
    return response.body.id as string;
  }

  it('files, offers, refuses, offers again, accepts and places; the stream tells the whole story', async () => {
    const first = await registerFacility({});
    const second = await registerFacility({ name: 'Bodø akuttinstitusjon', municipality: '1804', location: { lat: 67.28, lon: 14.4 } });

    const filed = await http()
      .post('/v1/placement-requests')
      .set('Authorization', as('tromso'))
      .send({
        municipality: '5501',
        childRef: 'tromso-2025-17',
        birthYear: 2011,
        urgency: 'acute',
        placementKind: 'institution',
        targetGroup: 'behaviour',
        neededBy: new Date(Date.now() + 6 * 3_600_000).toISOString(),
        legalBasis: 'bvl. § 4-2',
        childHeard: true,
      });
    expect(filed.status).toBe(201);
    expect(filed.body).toEqual({ id: expect.any(String), revision: 0, position: expect.stringMatching(/^\d+$/) });
    expect(filed.headers.etag).toBe('"0"');
    const id = filed.body.id as string;

    const offer1 = await http().post(`/v1/placement-requests/${id}/offers`).set('Authorization', as('nordCoordinator')).send({ facilityId: second, startDate: '2025-03-03' });
    expect(offer1.status).toBe(201);
    const refuse = await http()
      .post(`/v1/placement-requests/${id}/offers/${offer1.body.offerId}/refuse`)
      .set('Authorization', as('tromso'))
      .send({ reason: 'too_far', comment: 'barnet går på skole i Tromsø' });
    expect(refuse.status).toBe(200);

    const offer2Id = randomUUID();
    const offer2 = await http()
      .post(`/v1/placement-requests/${id}/offers`)
      .set('Authorization', as('nordCoordinator'))
      .send({ offerId: offer2Id, facilityId: first, startDate: '2025-03-03' });
    expect(offer2.status).toBe(201);
    expect(offer2.body.offerId).toBe(offer2Id);

    const accept = await http().post(`/v1/placement-requests/${id}/offers/${offer2Id}/accept`).set('Authorization', as('tromso')).send({});
    expect(accept.status).toBe(200);
    const placed = await http()
      .post(`/v1/placement-requests/${id}/placement`)
      .set('Authorization', as('nordCoordinator'))
      .send({ offerId: offer2Id, placedAt: new Date().toISOString() });
    expect(placed.status).toBe(200);
    expect(placed.body.revision).toBe(5);

    const view = await http().get(`/v1/placement-requests/${id}`).set('Authorization', as('tromso'));
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ id, status: 'placed', municipality: '5501', region: 'nord', childRef: 'tromso-2025-17', urgency: 'acute' });
    expect(view.body.offers.map((o: { status: string }) => o.status)).toEqual(['refused', 'placed']);
    expect(view.body.placement).toMatchObject({ offerId: offer2Id, facilityId: first, outsideHomeRegion: false });
    expect(view.body.placement.distanceKm).toBeLessThan(10);

    const events = await http().get(`/v1/placement-requests/${id}/events`).set('Authorization', as('auditor'));
    expect(events.status).toBe(200);
    expect(events.body.items.map((e: { type: string }) => e.type)).toEqual([
      'PlacementRequested',
      'OfferMade',
      'OfferRefused',
      'OfferMade',
      'OfferAccepted',
      'ChildPlaced',
    ]);
    const [requested] = events.body.items;
    expect(requested.metadata).toMatchObject({
      eventId: expect.any(String),
      occurredAt: expect.any(String),
      recordedAt: expect.any(String),
      actor: { sub: 'tromso-leader', role: 'municipality' },
      correlationId: expect.any(String),
      causationId: expect.any(String),
      schemaVersion: 1,
    });

    // Facilities are read by coordinators and admins; a municipality gets 404 (PRODUCT.md §1).
    const facility = await http().get(`/v1/facilities/${first}`).set('Authorization', as('nordCoordinator'));
    expect(facility.body).toMatchObject({ places: 2, occupied: 1, reserved: 0, available: 1, status: 'active' });
  });
});
