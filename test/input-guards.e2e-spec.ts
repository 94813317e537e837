import { Scenario, type Caller } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

// Synthetic identity numbers with valid check digits (no real person): a fødselsnummer and a D-number.
const FNR = '13097248022';
const DNR = '53097248016';

describe('input guards', () => {
  let testApp: TestApp;
  let s: Scenario;
  let requestId: string;
  let offerId: string;
  let facilityId: string;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    facilityId = await s.facility();
    requestId = await s.request();
    offerId = await s.offer(requestId, facilityId);
  });
  afterAll(async () => {
    await testApp.close();
  });

  describe('identity numbers are never stored', () => {
    it.each([
      ['childRef as a whole value', { childRef: FNR }, 'childRef'],
      ['a D-number inside legalBasis text', { legalBasis: `bvl. § 4-2, jf. barnets dnr ${DNR}` }, 'legalBasis'],
      ['an unknown extra field', { note: `fnr ${FNR}` }, 'note'],
    ])('422 for %s, naming the field, and nothing is written', async (_, overrides, field) => {
      const before = await s.get('/v1/placement-requests/' + requestId, 'auditor');
      const response = await s.post('/v1/placement-requests', 'tromso', s.requestBody(overrides));
      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(response.body.errors).toEqual([{ field, message: expect.stringMatching(/fødselsnummer or D-number/) }]);
      expect(JSON.stringify(response.body)).not.toContain(FNR);
      expect((await s.get('/v1/placement-requests/' + requestId, 'auditor')).body.revision).toBe(before.body.revision);
    });

    it('422 for an identity number in a refusal comment', async () => {
      const response = await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/refuse`, 'tromso', { reason: 'other', comment: `gjelder ${FNR}` });
      expect(response.status).toBe(422);
      expect(response.body.errors[0].field).toBe('comment');
      expect(await s.eventCount(requestId)).toBe(2);
    });

    it('accepts 11-digit numbers that are not valid identity numbers', async () => {
      const response = await s.post('/v1/placement-requests', 'tromso', s.requestBody({ legalBasis: 'sak 12345678901' }));
      expect(response.status).toBe(201);
    });
  });

  describe('bad input is 400 problem+json naming each field, never 500', () => {
    const cases: [string, string, Caller, () => object, string[]][] = [
      ['wrong type: birthYear as text', '/v1/placement-requests', 'tromso', () => s.requestBody({ birthYear: '2011' }), ['birthYear']],
      ['wrong type: childHeard as text', '/v1/placement-requests', 'tromso', () => s.requestBody({ childHeard: 'yes' }), ['childHeard']],
      ['bad enum: urgency', '/v1/placement-requests', 'tromso', () => s.requestBody({ urgency: 'very' }), ['urgency']],
      ['bad enum: placementKind', '/v1/placement-requests', 'tromso', () => s.requestBody({ placementKind: 'hotel' }), ['placementKind']],
      ['bad date: neededBy', '/v1/placement-requests', 'tromso', () => s.requestBody({ neededBy: '03.03.2025' }), ['neededBy']],
      ['bad date: occurredAt without offset', '/v1/placement-requests', 'tromso', () => s.requestBody({ occurredAt: '2025-03-03T08:00:00' }), ['occurredAt']],
      ['impossible date: occurredAt 30 February', '/v1/placement-requests', 'tromso', () => s.requestBody({ occurredAt: '2025-02-30T08:00:00Z' }), ['occurredAt']],
      ['unknown field', '/v1/placement-requests', 'tromso', () => s.requestBody({ name: 'Ola' }), ['name']],
      ['missing fields', '/v1/placement-requests', 'tromso', () => ({ municipality: '5501' }), ['childRef', 'birthYear', 'urgency', 'placementKind', 'targetGroup', 'neededBy', 'legalBasis', 'childHeard']],
      ['out of range: birthYear', '/v1/placement-requests', 'tromso', () => s.requestBody({ birthYear: 1850 }), ['birthYear']],
      ['oversize string: childRef', '/v1/placement-requests', 'tromso', () => s.requestBody({ childRef: 'x'.repeat(65) }), ['childRef']],
      ['oversize string: legalBasis', '/v1/placement-requests', 'tromso', () => s.requestBody({ legalBasis: 'x'.repeat(201) }), ['legalBasis']],
      ['childRef with spaces', '/v1/placement-requests', 'tromso', () => s.requestBody({ childRef: 'Ola Nordmann' }), ['childRef']],
      ['bad id', '/v1/placement-requests', 'tromso', () => s.requestBody({ id: '42' }), ['id']],
      ['facility: negative places', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ places: -1 }), ['places']],
      ['facility: fractional places', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ places: 1.5 }), ['places']],
      ['facility: location outside Norway', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ location: { lat: 10, lon: 10 } }), ['location.lat']],
      ['facility: unknown field in location', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ location: { lat: 69, lon: 19, alt: 3 } }), ['location.alt']],
      ['facility: bad target group', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ targetGroups: ['care', 'pets'] }), ['targetGroups']],
      ['facility: bad region', '/v1/facilities', 'nordCoordinator', () => s.facilityBody({ region: 'north' }), ['region']],
      ['offer: facilityId not a UUID', `/v1/placement-requests/{request}/offers`, 'nordCoordinator', () => ({ facilityId: 'f1', startDate: '2025-03-03' }), ['facilityId']],
      ['refusal: bad reason', `/v1/placement-requests/{request}/offers/{offer}/refuse`, 'tromso', () => ({ reason: 'ugly' }), ['reason']],
      ['placement end: bad reason and date', `/v1/placement-requests/{request}/placement/end`, 'nordCoordinator', () => ({ endedAt: 'soon', reason: 'bored' }), ['endedAt', 'reason']],
    ];

    it.each(cases)('%s', async (_, pathTemplate, caller, body, fields) => {
      const path = pathTemplate.replace('{request}', requestId).replace('{offer}', offerId);
      const response = await s.post(path, caller, body());
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(response.body).toMatchObject({ type: expect.any(String), title: 'Bad Request', status: 400, detail: expect.any(String) });
      expect([...new Set(response.body.errors.map((e: { field: string }) => e.field))].sort()).toEqual([...fields].sort());
    });

    it('413 problem+json for a body over the size limit', async () => {
      const response = await s.post('/v1/placement-requests', 'tromso', s.requestBody({ legalBasis: 'x'.repeat(200_000) }));
      expect(response.status).toBe(413);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    });

    it('400 for a body that is not JSON', async () => {
      const response = await s.http().post('/v1/placement-requests').set('Authorization', s.as('tromso')).set('Content-Type', 'application/json').send('{"municipality":');
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
    });
  });
});
