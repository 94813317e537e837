import { randomUUID } from 'node:crypto';
import { Scenario, scenarioPerFile } from './support/scenario';

describe('commands that do not fit: every rejection answers as PRODUCT.md says', () => {
  const scenario = scenarioPerFile();
  let s: Scenario;
  beforeEach(() => {
    s = scenario();
  });

  function expectProblem(response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number) {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
  }

  it('409 with the current status when accepting before any offer', async () => {
    const requestId = await s.request();
    const response = await s.post(`/v1/placement-requests/${requestId}/offers/${randomUUID()}/accept`, 'tromso');
    expectProblem(response, 409);
    expect(response.body.status).toBe(409);
    expect(response.body.code).toBe('REQUEST.WRONG_STATUS');
    expect(response.body.currentStatus).toBe('requested');
    expect(response.body.detail).toMatch(/requested/);
  });

  it('409 when placing on an offer that is only open, naming the status', async () => {
    const facilityId = await s.facility();
    const requestId = await s.request();
    const offerId = await s.offer(requestId, facilityId);
    const response = await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
    expectProblem(response, 409);
    expect(response.body.detail).toMatch(/offered/);
  });

  it('409 when withdrawing a placed request', async () => {
    const { requestId } = await s.placed();
    const response = await s.post(`/v1/placement-requests/${requestId}/withdraw`, 'tromso', { reason: 'moved' });
    expectProblem(response, 409);
    expect(response.body.detail).toMatch(/placed/);
  });

  it('404 for commands on a request that does not exist', async () => {
    expectProblem(await s.post(`/v1/placement-requests/${randomUUID()}/no-offer`, 'nordCoordinator', { reason: 'none' }), 404);
  });

  it('409 FACILITY.FULL for an offer on a full facility; overbooking with a reason is allowed and shows', async () => {
    const facilityId = await s.facility({ places: 1 });
    await s.offer(await s.request(), facilityId);
    const full = await s.post(`/v1/placement-requests/${await s.request()}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03' });
    expectProblem(full, 409);
    expect(full.body.code).toBe('FACILITY.FULL');

    const noReason = await s.post(`/v1/placement-requests/${await s.request()}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03', overbook: true });
    expectProblem(noReason, 400);
    expect(noReason.body.errors).toEqual([{ field: 'reason', message: expect.stringMatching(/required when overbook/) }]);

    const overbooked = await s.post(`/v1/placement-requests/${await s.request()}/offers`, 'nordCoordinator', {
      facilityId,
      startDate: '2025-03-03',
      overbook: true,
      reason: 'the child cannot wait',
    });
    expect(overbooked.status).toBe(201);
    const facility = await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator');
    expect(facility.body).toMatchObject({ places: 1, reserved: 2, available: 0, overbooked: true });
  });

  it('409 for an offer on a suspended facility; it accepts offers again once resumed', async () => {
    const facilityId = await s.facility();
    expect((await s.post(`/v1/facilities/${facilityId}/suspend`, 'nordCoordinator', { reason: 'water damage' })).status).toBe(200);
    const requestId = await s.request();
    const refused = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03' });
    expectProblem(refused, 409);
    expect(refused.body.code).toBe('FACILITY.NOT_ACCEPTING');
    expect((await s.post(`/v1/facilities/${facilityId}/resume`, 'nordCoordinator')).status).toBe(200);
    expect((await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03' })).status).toBe(201);
  });

  it('409 for changes to a closed facility', async () => {
    const facilityId = await s.facility();
    expect((await s.post(`/v1/facilities/${facilityId}/close`, 'nordCoordinator', { reason: 'closed down' })).status).toBe(200);
    expectProblem(await s.post(`/v1/facilities/${facilityId}/capacity`, 'nordCoordinator', { places: 3, reason: 'x' }), 409);
  });

  it('422 naming facilityId for an offer of a facility that does not exist', async () => {
    const response = await s.post(`/v1/placement-requests/${await s.request()}/offers`, 'nordCoordinator', { facilityId: randomUUID(), startDate: '2025-03-03' });
    expectProblem(response, 422);
    expect(response.body.errors[0].field).toBe('facilityId');
  });

  it('400 naming municipality for a number that is not in the 2024 numbering', async () => {
    const response = await s.post('/v1/placement-requests', 'tromso', s.requestBody({ municipality: '3005' }));
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ field: 'municipality', message: expect.stringMatching(/3005/) }]);
  });

  it('422 for business time more than 2 minutes in the future, and before the previous event', async () => {
    const future = await s.post('/v1/placement-requests', 'tromso', s.requestBody({ occurredAt: new Date(Date.now() + 5 * 60_000).toISOString() }));
    expectProblem(future, 422);
    expect(future.body.errors[0].field).toBe('occurredAt');

    const requestId = await s.request({ occurredAt: '2025-03-03T08:00:00+01:00' });
    const earlier = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'none', occurredAt: '2025-03-03T07:00:00+01:00' });
    expectProblem(earlier, 422);
    expect(earlier.body.code).toBe('TIME.BEFORE_PREVIOUS_EVENT');
    expect(await s.eventCount(requestId)).toBe(1);
  });

  it('keeps business time and recorded time apart for a backdated request', async () => {
    const requestId = await s.request({ occurredAt: '2025-03-03T08:00:00+01:00' });
    const view = await s.get(`/v1/placement-requests/${requestId}`, 'tromso');
    expect(view.body.occurredAt).toBe('2025-03-03T07:00:00.000Z');
    expect(Date.parse(view.body.recordedAt)).toBeGreaterThan(Date.parse('2025-03-04T00:00:00Z'));
  });

  it('400 for a malformed id in the path', async () => {
    const response = await s.get('/v1/placement-requests/not-a-uuid', 'auditor');
    expectProblem(response, 400);
    expect(response.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
  });
});
