import { Scenario, scenarioPerFile } from './support/scenario';

describe('the commands not walked through elsewhere, each on its happy path', () => {
  const scenario = scenarioPerFile();
  let s: Scenario;
  beforeEach(() => {
    s = scenario();
  });

  it('declares no offer (status no_offer), and can still offer afterwards', async () => {
    const requestId = await s.request();
    const declared = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'no institution place in the region' });
    expect(declared.status).toBe(200);
    expect((await s.get(`/v1/placement-requests/${requestId}`, 'tromso')).body.status).toBe('no_offer');
    await s.offer(requestId, await s.facility());
    expect((await s.get(`/v1/placement-requests/${requestId}`, 'tromso')).body.status).toBe('offered');
  });

  it('withdraws an offer, which frees its place and reopens the request', async () => {
    const facilityId = await s.facility({ places: 1 });
    const requestId = await s.request();
    const offerId = await s.offer(requestId, facilityId);
    const withdrawn = await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/withdraw`, 'nordCoordinator', { reason: 'place taken by an emergency' });
    expect(withdrawn.status).toBe(200);
    expect((await s.get(`/v1/placement-requests/${requestId}`, 'tromso')).body).toMatchObject({ status: 'requested', offers: [{ offerId, status: 'withdrawn' }] });
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ reserved: 0, available: 1 });
  });

  it('ends a placement (by the municipality), which frees the place', async () => {
    const { requestId, facilityId } = await s.placed();
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ occupied: 1 });
    const ended = await s.post(`/v1/placement-requests/${requestId}/placement/end`, 'tromso', { endedAt: new Date().toISOString(), reason: 'planned' });
    expect(ended.status).toBe(200);
    expect((await s.get(`/v1/placement-requests/${requestId}`, 'tromso')).body).toMatchObject({ status: 'ended', placement: { endedAt: expect.any(String) } });
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ occupied: 0, available: 2 });
  });

  it('changes capacity, suspends (available 0), resumes and closes a facility', async () => {
    const facilityId = await s.facility({ places: 2 });
    expect((await s.post(`/v1/facilities/${facilityId}/capacity`, 'nordCoordinator', { places: 4, reason: 'new wing' })).body.revision).toBe(1);
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ places: 4, available: 4 });
    await s.post(`/v1/facilities/${facilityId}/suspend`, 'nordCoordinator', { reason: 'staff shortage' });
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ status: 'suspended', available: 0 });
    await s.post(`/v1/facilities/${facilityId}/resume`, 'nordCoordinator');
    const closed = await s.post(`/v1/facilities/${facilityId}/close`, 'nordCoordinator', { reason: 'lease ended' });
    expect(closed.status).toBe(200);
    expect(closed.headers.etag).toBe('"4"');
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ status: 'closed', available: 0 });
  });

  it('records the offer distance and a placement outside the home region', async () => {
    const kristiansand = await s.post('/v1/facilities', 'admin', s.facilityBody({ region: 'sor', municipality: '4204', location: { lat: 58.15, lon: 7.99 } }));
    const requestId = await s.request();
    const offerId = await s.offer(requestId, kristiansand.body.id);
    await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso');
    await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
    const view = (await s.get(`/v1/placement-requests/${requestId}`, 'tromso')).body;
    expect(view.offers[0].distanceKm).toBeGreaterThan(1_300);
    expect(view.placement).toMatchObject({ outsideHomeRegion: true, facilityId: kristiansand.body.id });
  });

  it('carries X-Correlation-Id into the metadata of the events it causes', async () => {
    const response = await s.http().post('/v1/placement-requests').set('Authorization', s.as('tromso')).set('X-Correlation-Id', 'case-2025-0042').send(s.requestBody());
    const events = await s.get(`/v1/placement-requests/${response.body.id}/events`, 'auditor');
    expect(events.body.items[0].metadata).toMatchObject({ correlationId: 'case-2025-0042', actor: { sub: 'tromso-leader', role: 'municipality' } });
    expect(events.body.items[0].position).toBe(response.body.position);
  });
});
