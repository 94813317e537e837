import { randomUUID } from 'node:crypto';
import { Scenario, type Caller } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * PRODUCT.md §6: a command outside the caller's scope is 403, a read of a resource outside it is
 * 404, no or a bad token is 401. The request here belongs to Tromsø (5501, region nord).
 */
describe('scope matrix', () => {
  let testApp: TestApp;
  let s: Scenario;
  let placed: { requestId: string; offerId: string; facilityId: string };
  let offered: { requestId: string; offerId: string; facilityId: string };

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    placed = await s.placed();
    const facilityId = await s.facility();
    const requestId = await s.request();
    offered = { requestId, facilityId, offerId: await s.offer(requestId, facilityId) };
  });
  afterAll(async () => {
    await testApp.close();
  });

  const outsiders: Record<string, Caller[]> = {
    municipalityCommands: ['oslo', 'nordCoordinator', 'osloCoordinator', 'auditor', 'admin'],
    coordinatorCommands: ['osloCoordinator', 'tromso', 'oslo', 'auditor', 'admin'],
    endPlacement: ['oslo', 'osloCoordinator', 'auditor', 'admin'],
    facilityCommands: ['osloCoordinator', 'tromso', 'auditor'],
  };

  const commands: { name: string; who: keyof typeof outsiders; path: () => string; body: () => object }[] = [
    { name: 'file a request', who: 'municipalityCommands', path: () => '/v1/placement-requests', body: () => s.requestBody() },
    { name: 'accept an offer', who: 'municipalityCommands', path: () => `/v1/placement-requests/${offered.requestId}/offers/${offered.offerId}/accept`, body: () => ({}) },
    { name: 'refuse an offer', who: 'municipalityCommands', path: () => `/v1/placement-requests/${offered.requestId}/offers/${offered.offerId}/refuse`, body: () => ({ reason: 'too_far' }) },
    { name: 'withdraw a request', who: 'municipalityCommands', path: () => `/v1/placement-requests/${offered.requestId}/withdraw`, body: () => ({ reason: 'x' }) },
    { name: 'make an offer', who: 'coordinatorCommands', path: () => `/v1/placement-requests/${offered.requestId}/offers`, body: () => ({ facilityId: offered.facilityId, startDate: '2025-03-03' }) },
    { name: 'withdraw an offer', who: 'coordinatorCommands', path: () => `/v1/placement-requests/${offered.requestId}/offers/${offered.offerId}/withdraw`, body: () => ({ reason: 'x' }) },
    { name: 'declare no offer', who: 'coordinatorCommands', path: () => `/v1/placement-requests/${offered.requestId}/no-offer`, body: () => ({ reason: 'x' }) },
    { name: 'place the child', who: 'coordinatorCommands', path: () => `/v1/placement-requests/${offered.requestId}/placement`, body: () => ({ offerId: offered.offerId, placedAt: new Date().toISOString() }) },
    { name: 'end a placement', who: 'endPlacement', path: () => `/v1/placement-requests/${placed.requestId}/placement/end`, body: () => ({ endedAt: new Date().toISOString(), reason: 'planned' }) },
    { name: 'register a facility in region nord', who: 'facilityCommands', path: () => '/v1/facilities', body: () => s.facilityBody() },
    { name: 'change capacity', who: 'facilityCommands', path: () => `/v1/facilities/${offered.facilityId}/capacity`, body: () => ({ places: 5, reason: 'x' }) },
    { name: 'suspend a facility', who: 'facilityCommands', path: () => `/v1/facilities/${offered.facilityId}/suspend`, body: () => ({}) },
  ];

  for (const command of commands) {
    it(`403 for every outsider who tries to ${command.name}, and nothing is written`, async () => {
      const before = await s.eventCount(offered.requestId);
      for (const caller of outsiders[command.who]) {
        const response = await s.post(command.path(), caller, command.body());
        expect([caller, response.status, response.headers['content-type']]).toEqual([caller, 403, expect.stringMatching(/problem\+json/)]);
      }
      expect(await s.eventCount(offered.requestId)).toBe(before);
    });
  }

  it('lets the facility owner region and admins manage facilities', async () => {
    expect((await s.post('/v1/facilities', 'admin', s.facilityBody())).status).toBe(201);
    expect((await s.post(`/v1/facilities/${offered.facilityId}/capacity`, 'admin', { places: 3, reason: 'admin fix' })).status).toBe(200);
  });

  it.each(['oslo', 'osloCoordinator'] as Caller[])('404 for %s reading a Tromsø request or its events, exactly as for a missing one', async (caller) => {
    for (const path of [`/v1/placement-requests/${placed.requestId}`, `/v1/placement-requests/${placed.requestId}/events`]) {
      const response = await s.get(path, caller);
      expect(response.status).toBe(404);
      const missing = await s.get(path.replace(placed.requestId, randomUUID()), caller);
      expect(missing.status).toBe(404);
      expect(response.body.detail.replace(placed.requestId, 'X')).toBe(missing.body.detail.replace(/[0-9a-f-]{36}/, 'X'));
    }
  });

  it.each(['tromso', 'nordCoordinator', 'auditor', 'admin'] as Caller[])('200 for %s reading the request and its events', async (caller) => {
    expect((await s.get(`/v1/placement-requests/${placed.requestId}`, caller)).status).toBe(200);
    expect((await s.get(`/v1/placement-requests/${placed.requestId}/events`, caller)).status).toBe(200);
  });

  it('401 without a token, with a malformed one, and with one signed by another key', async () => {
    const path = `/v1/placement-requests/${placed.requestId}`;
    expect((await s.http().get(path)).status).toBe(401);
    expect((await s.http().get(path).set('Authorization', 'Bearer nonsense')).status).toBe(401);
    const forged = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIn0.' + 'A'.repeat(43);
    const response = await s.http().get(path).set('Authorization', forged);
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/problem\+json/);
    expect((await s.http().post('/v1/placement-requests').send(s.requestBody())).status).toBe(401);
  });

  it('leaves /health open', async () => {
    expect((await s.http().get('/health')).status).toBe(200);
  });
});
