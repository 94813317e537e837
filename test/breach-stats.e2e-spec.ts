import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

describe('GET /v1/breaches/stats', () => {
  let testApp: TestApp;
  let s: Scenario;
  let head: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    const near = await s.facility();
    const far = (await s.post('/v1/facilities', 'admin', s.facilityBody({ region: 'sor', municipality: '4204', location: { lat: 58.15, lon: 7.99 } }))).body.id;
    // Tromsø: an acute request offered 30 min after filing and placed far away; a planned one declared without offer.
    const t0 = Date.now() - 3 * 60 * 60_000;
    const first = await s.request({ occurredAt: new Date(t0).toISOString() });
    const offerId = await s.offer(first, far, { occurredAt: new Date(t0 + 30 * 60_000).toISOString() });
    await s.post(`/v1/placement-requests/${first}/offers/${offerId}/accept`, 'tromso');
    await s.post(`/v1/placement-requests/${first}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
    const second = await s.request({ urgency: 'planned', occurredAt: new Date(t0).toISOString() });
    await s.post(`/v1/placement-requests/${second}/no-offer`, 'nordCoordinator', { reason: 'none', occurredAt: new Date(t0 + 10 * 60_000).toISOString() });
    // Oslo: one request with an offer 1 h 30 min after filing (the only one), close to home.
    const oslo = await s.post('/v1/placement-requests', 'oslo', s.requestBody({ municipality: '0301', occurredAt: new Date(t0).toISOString() }));
    const offered = await s.post(`/v1/placement-requests/${oslo.body.id}/offers`, 'osloCoordinator', { facilityId: near, startDate: '2030-01-01', occurredAt: new Date(t0 + 90 * 60_000).toISOString() });
    if (offered.status !== 201) throw new Error(JSON.stringify(offered.body));
    head = offered.body.position;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const stats = (groupBy: string, caller: Parameters<Scenario['as']>[0] = 'auditor') =>
    s.http().get(`/v1/breaches/stats?groupBy=${groupBy}`).set('Authorization', s.as(caller)).set('X-Min-Position', head);

  it('groups by region with the request figures of each region', async () => {
    const response = await stats('region');
    expect(response.status).toBe(200);
    expect(response.body.groupBy).toBe('region');
    const nord = response.body.items.find((i: { key: string }) => i.key === 'nord');
    expect(nord).toMatchObject({
      breaches: 2,
      byType: { NO_OFFER_DECLARED: 1, PLACED_FAR_FROM_HOME: 1, NO_OFFER_BEFORE_DEADLINE: 0 },
      requests: 2,
      offersBeforeDeadlineShare: 0.5,
      medianHoursToFirstOffer: 0.5,
      placedFarShare: 1,
      outsideHomeRegionShare: 1,
      retracted: 0,
    });
    const oslo = response.body.items.find((i: { key: string }) => i.key === 'oslo');
    expect(oslo).toMatchObject({ breaches: 0, requests: 1, offersBeforeDeadlineShare: 1, medianHoursToFirstOffer: 1.5, placedFarShare: null });
  });

  it('groups by type and by month', async () => {
    const byType = (await stats('type')).body.items.map((i: { key: string; breaches: number }) => [i.key, i.breaches]);
    expect(byType).toEqual([
      ['NO_OFFER_DECLARED', 1],
      ['PLACED_FAR_FROM_HOME', 1],
    ]);
    const months = (await stats('month')).body.items;
    expect(months.every((i: { key: string }) => /^\d{4}-\d{2}$/.test(i.key))).toBe(true);
  });

  it('counts only what the caller may see, and names a bad groupBy', async () => {
    const osloView = (await stats('region', 'oslo')).body.items;
    expect(osloView.map((i: { key: string }) => i.key)).toEqual(['oslo']);
    const bad = await stats('weather');
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('groupBy');
    for (const path of ['/v1/breaches/stats?groupBy=region&', '/v1/breaches?']) {
      const backwards = await s.get(`${path}from=2025-06-01&to=2025-05-01`, 'auditor');
      expect(backwards.status).toBe(400);
      expect(backwards.body.errors).toEqual([{ field: 'to', message: 'to must not be before from' }]);
    }
  });
});
