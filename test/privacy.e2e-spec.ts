import { Scenario, type Caller } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * PRODUCT.md §1: a facility's name and location only for coordinators and admins. Auditors see
 * every facility without them; a municipality sees capacity as aggregates and, on its own
 * requests' offers, the facility's id, kind, region, municipality and distance, never more.
 * Every answer that can carry facility data is asked by every role.
 */
const NAME = 'Familien Nordmo beredskapshjem';
const LAT = 69.6489;
const LON = 18.9551;

describe('facility privacy', () => {
  let testApp: TestApp;
  let s: Scenario;
  let facilityId: string;
  let requestId: string;
  let offerId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    facilityId = await s.facility({ name: NAME, kind: 'emergency_foster_home', municipality: '5501', location: { lat: LAT, lon: LON }, places: 2, targetGroups: ['care'] });
    requestId = await s.request({ placementKind: 'emergency_foster_home', targetGroup: 'care' });
    offerId = await s.offer(requestId, facilityId);
    expect((await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso')).status).toBe(200);
    expect((await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() })).status).toBe(200);
    // A second request, left without an offer, gives the breach register a row (NO_OFFER_DECLARED).
    const other = await s.request();
    expect((await s.post(`/v1/placement-requests/${other}/no-offer`, 'nordCoordinator', { reason: 'ingen plass' })).status).toBe(200);
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** Neither the name nor the coordinates, in any field, nor fields that would carry them. */
  function expectNoFacilityIdentity(body: unknown): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    expect(text).not.toContain('Nordmo');
    expect(text).not.toContain(String(LAT));
    expect(text).not.toContain(String(LON));
    expect(text).not.toMatch(/"(name|location|lat|lon)"\s*:/);
  }

  /** The breach register once the setup's NO_OFFER_DECLARED has been projected. */
  async function settledBreaches(caller: Caller) {
    for (let attempt = 0; attempt < 200; attempt++) {
      const response = await s.get('/v1/breaches', caller);
      if (response.status !== 200 || response.body.items.length > 0) return response;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the breach register stayed empty');
  }

  describe('GET /v1/facilities/:id', () => {
    it.each<Caller>(['nordCoordinator', 'osloCoordinator', 'admin'])('shows %s the name and location', async (caller) => {
      const response = await s.get(`/v1/facilities/${facilityId}`, caller);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: facilityId, name: NAME, location: { lat: LAT, lon: LON }, kind: 'emergency_foster_home', region: 'nord', municipality: '5501' });
    });

    it('shows an auditor the kind, region, municipality and numbers, without name and location', async () => {
      const response = await s.get(`/v1/facilities/${facilityId}`, 'auditor');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: facilityId, kind: 'emergency_foster_home', region: 'nord', municipality: '5501', places: 2, occupied: 1, available: 1 });
      expectNoFacilityIdentity(response.body);
    });

    it.each<Caller>(['tromso', 'oslo'])('is 404 for the municipality %s, even one with a placement there', async (caller) => {
      const response = await s.get(`/v1/facilities/${facilityId}`, caller);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expectNoFacilityIdentity(response.body);
    });
  });

  describe('GET /v1/capacity/matches', () => {
    let open: string;
    beforeAll(async () => {
      open = await s.request({ placementKind: 'emergency_foster_home', targetGroup: 'care' });
    });

    it.each<Caller>(['tromso', 'oslo'])('is 403 for the municipality %s, even for its own request', async (caller) => {
      const response = await s.get(`/v1/capacity/matches?requestId=${open}`, caller);
      expect(response.status).toBe(403);
      expectNoFacilityIdentity(response.body);
    });

    it('is 403 for a municipality before the request id is even looked at', async () => {
      expect((await s.get('/v1/capacity/matches?requestId=nonsense', 'tromso')).status).toBe(403);
    });

    it('names the facilities for coordinators and admins', async () => {
      for (const caller of ['nordCoordinator', 'osloCoordinator', 'admin'] as const) {
        const response = await s.get(`/v1/capacity/matches?requestId=${open}`, caller);
        expect([caller, response.status]).toEqual([caller, 200]);
        expect(response.body.items).toContainEqual(expect.objectContaining({ facilityId, name: NAME, kind: 'emergency_foster_home', region: 'nord' }));
      }
    });

    it('shows auditors the matches without names', async () => {
      const response = await s.get(`/v1/capacity/matches?requestId=${open}`, 'auditor');
      expect(response.status).toBe(200);
      expect(response.body.items).toContainEqual(expect.objectContaining({ facilityId, kind: 'emergency_foster_home', region: 'nord', available: 1, distanceKm: expect.any(Number) }));
      expectNoFacilityIdentity(response.body);
    });
  });

  describe("a municipality's own request", () => {
    it("shows the offer's facility id, kind, region, municipality and distance, and nothing that names or locates it", async () => {
      const response = await s.get(`/v1/placement-requests/${requestId}`, 'tromso');
      expect(response.status).toBe(200);
      expect(response.body.offers).toEqual([
        expect.objectContaining({ offerId, facilityId, facilityKind: 'emergency_foster_home', facilityRegion: 'nord', facilityMunicipality: '5501', distanceKm: expect.any(Number) }),
      ]);
      expect(response.body.placement).toMatchObject({ offerId, facilityId, distanceKm: expect.any(Number) });
      expectNoFacilityIdentity(response.body);
    });

    it('keeps the events free of the facility name and location', async () => {
      const response = await s.get(`/v1/placement-requests/${requestId}/events`, 'tromso');
      expect(response.status).toBe(200);
      expect(response.body.items.map((event: { type: string }) => event.type)).toEqual(['PlacementRequested', 'OfferMade', 'OfferAccepted', 'ChildPlaced']);
      expectNoFacilityIdentity(response.body);
    });

    it('keeps the request list free of them, with the facility municipality on offers', async () => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const response = await s.get('/v1/placement-requests?municipality=5501', 'tromso');
        expect(response.status).toBe(200);
        const mine = response.body.items.find((item: { id: string }) => item.id === requestId);
        if (mine?.status === 'placed') {
          expect(mine.offers[0]).toMatchObject({ facilityId, facilityMunicipality: '5501' });
          expectNoFacilityIdentity(response.body);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the request list never showed the placement');
    });

    it('keeps the capacity aggregates free of single facilities', async () => {
      const response = await s.get('/v1/capacity', 'tromso');
      expect(response.status).toBe(200);
      expect(response.body.items).toContainEqual(expect.objectContaining({ region: 'nord', kind: 'emergency_foster_home' }));
      expect(JSON.stringify(response.body)).not.toContain(facilityId);
      expectNoFacilityIdentity(response.body);
    });
  });

  it.each<Caller>(['tromso', 'nordCoordinator', 'auditor', 'admin'])('keeps the breach register, as JSON and CSV, free of facility names for %s', async (caller) => {
    const json = await settledBreaches(caller);
    expect(json.status).toBe(200);
    expect(json.body.items).toContainEqual(expect.objectContaining({ type: 'NO_OFFER_DECLARED' }));
    expectNoFacilityIdentity(json.body);
    const csv = await s.get('/v1/breaches', caller).set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    expectNoFacilityIdentity(csv.text);
  });
});
