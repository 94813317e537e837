import { randomUUID } from 'node:crypto';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

describe('safe retries: Idempotency-Key, client ids and If-Match', () => {
  let testApp: TestApp;
  let s: Scenario;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  const file = (key: string, body: object) => s.http().post('/v1/placement-requests').set('Authorization', s.as('tromso')).set('Idempotency-Key', key).send(body);

  it('returns the first answer to a retry with the same key and body, and appends nothing', async () => {
    const key = randomUUID();
    const body = s.requestBody();
    const first = await file(key, body);
    const retry = await file(key, body);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await s.eventCount(first.body.id)).toBe(1);
  });

  it('answers 422 to the same key with another body, and writes nothing', async () => {
    const key = randomUUID();
    const first = await file(key, s.requestBody());
    const other = await file(key, s.requestBody({ childRef: 'someone-else' }));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY.KEY_REUSED');
    expect(await s.eventCount(first.body.id)).toBe(1);
  });

  it('writes once when concurrent retries with the same key race', async () => {
    const key = randomUUID();
    const body = s.requestBody();
    const answers = await Promise.all(Array.from({ length: 6 }, () => file(key, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await s.eventCount(answers[0].body.id)).toBe(1);
  });

  it('makes a retried offer idempotent too, and concurrent offer retries reserve one place', async () => {
    const facilityId = await s.facility({ places: 1 });
    const requestId = await s.request();
    const key = randomUUID();
    const send = () =>
      s.http().post(`/v1/placement-requests/${requestId}/offers`).set('Authorization', s.as('nordCoordinator')).set('Idempotency-Key', key).send({ facilityId, startDate: '2025-03-03' });
    const answers = await Promise.all([send(), send(), send()]);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.offerId)).size).toBe(1);
    expect(await s.eventCount(requestId)).toBe(2);
    expect((await s.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ reserved: 1, available: 0 });
  });

  it('answers a repeated creation with the same id and body with the first answer (200), another body with 409', async () => {
    const id = randomUUID();
    const body = s.requestBody({ id });
    const first = await s.post('/v1/placement-requests', 'tromso', body);
    const repeat = await s.post('/v1/placement-requests', 'tromso', body);
    const conflicting = await s.post('/v1/placement-requests', 'tromso', { ...body, birthYear: 2012 });
    expect(first.status).toBe(201);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(conflicting.status).toBe(409);
    expect(await s.eventCount(id)).toBe(1);
  });

  it('treats a repeated offer id the same way', async () => {
    const facilityId = await s.facility();
    const requestId = await s.request();
    const offerId = randomUUID();
    const body = { offerId, facilityId, startDate: '2025-03-03' };
    const first = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', body);
    const repeat = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', body);
    const conflicting = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { ...body, startDate: '2025-04-01' });
    expect([first.status, repeat.status, conflicting.status]).toEqual([201, 200, 409]);
    expect(repeat.body).toEqual(first.body);
  });

  it('412 when If-Match names a revision the request has moved past; 200 with the current one', async () => {
    const requestId = await s.request();
    const view = await s.get(`/v1/placement-requests/${requestId}`, 'tromso');
    expect(view.headers.etag).toBe('"0"');
    const facilityId = await s.facility();
    await s.offer(requestId, facilityId);
    const stale = await s.http().post(`/v1/placement-requests/${requestId}/withdraw`).set('Authorization', s.as('tromso')).set('If-Match', '"0"').send({ reason: 'x' });
    expect(stale.status).toBe(412);
    expect(stale.body.currentRevision).toBe(1);
    const fresh = await s.http().post(`/v1/placement-requests/${requestId}/withdraw`).set('Authorization', s.as('tromso')).set('If-Match', '"1"').send({ reason: 'x' });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.etag).toBe('"2"');
  });

  it('400 for a malformed If-Match or Idempotency-Key', async () => {
    const requestId = await s.request();
    const badMatch = await s.http().post(`/v1/placement-requests/${requestId}/withdraw`).set('Authorization', s.as('tromso')).set('If-Match', 'yesterday').send({ reason: 'x' });
    expect(badMatch.status).toBe(400);
    expect(badMatch.body.errors[0].field).toBe('If-Match');
    const badKey = await file('x'.repeat(129), s.requestBody());
    expect(badKey.status).toBe(400);
  });
});

describe('safe retries across a restart', () => {
  it('returns the first answer to a retry sent after the app restarted, and appends nothing', async () => {
    const first = await startTestApp();
    const key = randomUUID();
    const s1 = new Scenario(first);
    const body = s1.requestBody();
    const before = await s1.http().post('/v1/placement-requests').set('Authorization', s1.as('tromso')).set('Idempotency-Key', key).send(body);
    expect(before.status).toBe(201);
    await first.close({ keepDatabase: true });

    const second = await startTestApp({ database: first.database });
    try {
      const s2 = new Scenario(second);
      const after = await s2.http().post('/v1/placement-requests').set('Authorization', s2.as('tromso')).set('Idempotency-Key', key).send(body);
      expect(after.status).toBe(201);
      expect(after.body).toEqual(before.body);
      expect(await s2.eventCount(before.body.id)).toBe(1);
    } finally {
      await second.close();
    }
  });
});
