import { Scenario, scenarioPerFile } from './support/scenario';

describe('capacity per region and kind, with time travel, and matches', () => {
  const scenario = scenarioPerFile();
  let s: Scenario;
  beforeEach(() => {
    s = scenario();
  });

  const capacity = async (query: string, position: string) =>
    (await s.http().get(`/v1/capacity${query}`).set('Authorization', s.as('tromso')).set('X-Min-Position', position)).body.items as Record<string, unknown>[];

  it('follows a facility through offer, placement and end, and answers asOf before and after', async () => {
    const registered = await s.post('/v1/facilities', 'nordCoordinator', s.facilityBody({ places: 3, kind: 'emergency_foster_home' }));
    const facilityId = registered.body.id;
    const afterRegistration = new Date().toISOString();
    const row = async (position: string, asOf?: string) =>
      (await capacity(`?region=nord&kind=emergency_foster_home${asOf ? `&asOf=${encodeURIComponent(asOf)}` : ''}`, position))[0];

    expect(await row(registered.body.position)).toEqual({ region: 'nord', kind: 'emergency_foster_home', facilities: 1, places: 3, occupied: 0, reserved: 0, available: 3, suspended: 0, overbooked: 0 });

    const requestId = await s.request({ placementKind: 'emergency_foster_home' });
    const offerId = await s.offer(requestId, facilityId);
    await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso');
    const accepted = await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor');
    expect(await row(accepted.body.items.at(-1).position)).toMatchObject({ occupied: 0, reserved: 1, available: 2 });
    const whileReserved = new Date().toISOString();

    const placed = await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
    expect(await row(placed.body.position)).toMatchObject({ occupied: 1, reserved: 0, available: 2 });
    const suspended = await s.post(`/v1/facilities/${facilityId}/suspend`, 'nordCoordinator', { reason: 'staff' });
    expect(await row(suspended.body.position)).toMatchObject({ suspended: 1, available: 0 });
    const ended = await s.post(`/v1/placement-requests/${requestId}/placement/end`, 'tromso', { endedAt: new Date().toISOString(), reason: 'planned' });
    expect(await row(ended.body.position)).toMatchObject({ occupied: 0, suspended: 1, available: 0 });

    expect(await row(ended.body.position, afterRegistration)).toMatchObject({ places: 3, occupied: 0, reserved: 0, available: 3, suspended: 0 });
    expect(await row(ended.body.position, whileReserved)).toMatchObject({ reserved: 1, available: 2, suspended: 0 });
    expect(await row(ended.body.position, '2020-01-01T00:00:00Z')).toBeUndefined();
  });

  it('ranks matches: fitting kind and target group first, then the home region, then distance', async () => {
    const near = await s.facility({ name: 'Near, wrong group', targetGroups: ['substance_use'], location: { lat: 69.66, lon: 18.95 } });
    const fits = await s.facility({ name: 'Fits, Bodø', municipality: '1804', location: { lat: 67.28, lon: 14.4 } });
    const fitsFarOtherRegion = (await s.post('/v1/facilities', 'admin', s.facilityBody({ name: 'Fits, Bergen', region: 'vest', municipality: '4601', location: { lat: 60.39, lon: 5.32 } }))).body.id;
    const requestId = await s.request();
    const head = (await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor')).body.items[0].position;
    const response = await s.http().get(`/v1/capacity/matches?requestId=${requestId}`).set('Authorization', s.as('nordCoordinator')).set('X-Min-Position', head);
    expect(response.status).toBe(200);
    const order = response.body.items.map((m: { facilityId: string }) => m.facilityId).filter((id: string) => [near, fits, fitsFarOtherRegion].includes(id));
    expect(order).toEqual([fits, fitsFarOtherRegion, near]);
    expect(response.body.items[0]).toMatchObject({ facilityId: expect.any(String), name: expect.any(String), kind: 'institution', region: expect.any(String), targetGroups: expect.any(Array), available: expect.any(Number), distanceKm: expect.any(Number) });
    // PRODUCT.md §1: matches are 403 for every municipality, before the request is looked at (test/privacy.e2e-spec.ts).
    expect((await s.get(`/v1/capacity/matches?requestId=${requestId}`, 'oslo')).status).toBe(403);
    expect((await s.get('/v1/capacity/matches?requestId=nope', 'nordCoordinator')).status).toBe(400);
  });

  it('400 naming bad capacity filters', async () => {
    const response = await s.get('/v1/capacity?kind=tent&asOf=never', 'auditor');
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['asOf', 'kind']);
  });
});
