import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { startTestApp, type TestApp } from './test-app';
import { bearer, callers } from './tokens';

export type Caller = keyof typeof callers;

/** Small steps of the placement flow over HTTP, for tests that need a request in some state. */
export class Scenario {
  constructor(readonly testApp: TestApp) {}

  http() {
    return request(this.testApp.app.getHttpServer());
  }

  as(caller: Caller): string {
    return bearer(this.testApp.config, callers[caller]);
  }

  post(path: string, caller: Caller, body: object = {}) {
    return this.http().post(path).set('Authorization', this.as(caller)).send(body);
  }

  get(path: string, caller: Caller) {
    return this.http().get(path).set('Authorization', this.as(caller));
  }

  facilityBody(overrides: Record<string, unknown> = {}) {
    return { name: 'Tromsø ungdomshjem', kind: 'institution', region: 'nord', municipality: '5501', location: { lat: 69.68, lon: 18.99 }, places: 2, targetGroups: ['behaviour'], ...overrides };
  }

  requestBody(overrides: Record<string, unknown> = {}) {
    return {
      municipality: '5501',
      childRef: `child-${randomUUID().slice(0, 8)}`,
      birthYear: 2011,
      urgency: 'acute',
      placementKind: 'institution',
      targetGroup: 'behaviour',
      neededBy: '2030-01-01',
      legalBasis: 'bvl. § 4-2',
      childHeard: true,
      ...overrides,
    };
  }

  async facility(overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await this.post('/v1/facilities', 'nordCoordinator', this.facilityBody(overrides));
    if (response.status !== 201) throw new Error(`facility: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id;
  }

  async request(overrides: Record<string, unknown> = {}): Promise<string> {
    const response = await this.post('/v1/placement-requests', 'tromso', this.requestBody(overrides));
    if (response.status !== 201) throw new Error(`request: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id;
  }

  async offer(requestId: string, facilityId: string, extra: Record<string, unknown> = {}): Promise<string> {
    const response = await this.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03', ...extra });
    if (response.status !== 201) throw new Error(`offer: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.offerId;
  }

  async accepted(): Promise<{ requestId: string; offerId: string; facilityId: string }> {
    const facilityId = await this.facility();
    const requestId = await this.request();
    const offerId = await this.offer(requestId, facilityId);
    const response = await this.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso');
    if (response.status !== 200) throw new Error(`accept: ${response.status} ${JSON.stringify(response.body)}`);
    return { requestId, offerId, facilityId };
  }

  async placed(): Promise<{ requestId: string; offerId: string; facilityId: string }> {
    const accepted = await this.accepted();
    const response = await this.post(`/v1/placement-requests/${accepted.requestId}/placement`, 'nordCoordinator', { offerId: accepted.offerId, placedAt: new Date().toISOString() });
    if (response.status !== 200) throw new Error(`place: ${response.status} ${JSON.stringify(response.body)}`);
    return accepted;
  }

  async eventCount(requestId: string): Promise<number> {
    const response = await this.get(`/v1/placement-requests/${requestId}/events`, 'auditor');
    return response.body.items.length;
  }
}

/**
 * One app on a fresh database for the whole test file: call at the top of a `describe`, and use the
 * returned getter inside the tests.
 */
export function scenarioPerFile(): () => Scenario {
  let scenario: Scenario | undefined;
  beforeAll(async () => {
    scenario = new Scenario(await startTestApp());
  });
  afterAll(async () => {
    await scenario?.testApp.close();
  });
  return () => {
    if (!scenario) throw new Error('the test app has not started');
    return scenario;
  };
}
