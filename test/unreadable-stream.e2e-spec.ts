import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * PRODUCT.md §9, write side: a stream whose own events cannot be folded (malformed data, a type its
 * model does not know, an event impossible in its state) answers its commands and reads with 503
 * STREAM.UNREADABLE, never 500, and every other stream goes on as before. The bad events are
 * written straight into `es_events`, past every check, as a bug, an import or a hand edit would.
 */
describe('a stream that cannot be folded', () => {
  let testApp: TestApp;
  let s: Scenario;
  let sql: Pool;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    sql = new Pool({ connectionString: testApp.database.url, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
    await testApp?.close();
  });

  /** Appends one event at the stream's next revision, positioned as the store positions them. */
  const insertRaw = async (streamId: string, type: string, data: unknown, metadata: object = { occurredAt: new Date().toISOString(), recordedAt: new Date().toISOString() }) => {
    const eventId = randomUUID();
    await sql.query(
      `INSERT INTO es_events (position, stream_id, revision, event_id, type, data, metadata)
       SELECT ((pg_current_xact_id()::text::bigint + m.position_xid_offset) << 20) + 1, $1,
              coalesce((SELECT max(revision) FROM es_events WHERE stream_id = $1), -1) + 1, $2, $3, $4, $5
         FROM es_meta m`,
      [streamId, eventId, type, JSON.stringify(data), JSON.stringify({ ...metadata, eventId })],
    );
    return eventId;
  };

  const unreadable = (response: { status: number; body: { code?: string; streamId?: string }; headers: Record<string, string> }, streamId: string) => {
    expect([response.status, response.body.code, response.body.streamId, response.headers['content-type']]).toEqual([
      503,
      'STREAM.UNREADABLE',
      streamId,
      expect.stringMatching(/problem\+json/),
    ]);
  };

  const offered = async () => {
    const facilityId = await s.facility({ places: 10 });
    const requestId = await s.request();
    const offerId = await s.offer(requestId, facilityId);
    return { requestId, offerId, facilityId };
  };

  const cases: { name: string; event: (ids: { requestId: string; offerId: string }) => { type: string; data: unknown; metadata?: object } }[] = [
    { name: 'an event with a required field missing', event: ({ requestId }) => ({ type: 'OfferAccepted', data: { requestId } }) },
    { name: 'an event with a field of the wrong kind', event: ({ requestId, offerId }) => ({ type: 'OfferRefused', data: { requestId, offerId, reason: 42 } }) },
    { name: 'an event type the request stream does not know', event: ({ requestId }) => ({ type: 'OfferTeleported', data: { requestId } }) },
    { name: 'an answer to an offer the stream never made', event: ({ requestId }) => ({ type: 'OfferAccepted', data: { requestId, offerId: randomUUID() } }) },
    { name: 'an event naming another request', event: ({ offerId }) => ({ type: 'OfferAccepted', data: { requestId: randomUUID(), offerId } }) },
    { name: 'data that is not an object', event: () => ({ type: 'OfferAccepted', data: 'garbage' }) },
    { name: 'metadata whose occurredAt is no date', event: ({ requestId, offerId }) => ({ type: 'OfferAccepted', data: { requestId, offerId }, metadata: { occurredAt: 'yesterday-ish' } }) },
  ];

  for (const { name, event } of cases) {
    it(`answers 503 STREAM.UNREADABLE on the request's commands and reads after ${name}, and leaves other requests alone`, async () => {
      const bad = await offered();
      const good = await offered();
      const streamId = `placement-request-${bad.requestId}`;
      const raw = event(bad);
      await insertRaw(streamId, raw.type, raw.data, raw.metadata);

      unreadable(await s.get(`/v1/placement-requests/${bad.requestId}`, 'tromso'), streamId);
      unreadable(await s.get(`/v1/placement-requests/${bad.requestId}/events`, 'auditor'), streamId);
      unreadable(await s.post(`/v1/placement-requests/${bad.requestId}/offers/${bad.offerId}/accept`, 'tromso'), streamId);
      unreadable(await s.post(`/v1/placement-requests/${bad.requestId}/withdraw`, 'tromso', { reason: 'x' }), streamId);
      unreadable(await s.post(`/v1/placement-requests/${bad.requestId}/offers`, 'nordCoordinator', { facilityId: bad.facilityId, startDate: '2030-01-01' }), streamId);

      expect((await s.get(`/v1/placement-requests/${good.requestId}`, 'tromso')).status).toBe(200);
      expect((await s.post(`/v1/placement-requests/${good.requestId}/offers/${good.offerId}/accept`, 'tromso')).status).toBe(200);
    });
  }

  it('still keeps an outsider to its 403 and 404 when the readable part of the stream says it is not theirs', async () => {
    const bad = await offered();
    await insertRaw(`placement-request-${bad.requestId}`, 'OfferAccepted', { requestId: bad.requestId });
    expect((await s.get(`/v1/placement-requests/${bad.requestId}`, 'oslo')).status).toBe(404);
    expect((await s.post(`/v1/placement-requests/${bad.requestId}/withdraw`, 'oslo', { reason: 'x' })).status).toBe(403);
  });

  it('never acts on a stream whose filing names another request (no event about that other request is written)', async () => {
    const victim = await offered();
    const requestId = randomUUID();
    const streamId = `placement-request-${requestId}`;
    const filing = (await s.get(`/v1/placement-requests/${victim.requestId}/events`, 'auditor')).body.items[0];
    await insertRaw(streamId, 'PlacementRequested', filing.data, filing.metadata);
    const before = await s.eventCount(victim.requestId);
    unreadable(await s.post(`/v1/placement-requests/${requestId}/withdraw`, 'tromso', { reason: 'x' }), streamId);
    unreadable(await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId: victim.facilityId, startDate: '2030-01-01' }), streamId);
    expect(await s.eventCount(victim.requestId)).toBe(before);
  });

  it('answers 503 STREAM.UNREADABLE on a facility whose capacity event is malformed, on its reads, its commands and offers of it', async () => {
    const bad = await s.facility({ places: 3 });
    const good = await s.facility({ places: 3 });
    const streamId = `facility-${bad}`;
    await insertRaw(streamId, 'FacilityCapacityChanged', { facilityId: bad, places: 'many', reason: 'x' });

    unreadable(await s.get(`/v1/facilities/${bad}`, 'nordCoordinator'), streamId);
    unreadable(await s.post(`/v1/facilities/${bad}/suspend`, 'nordCoordinator', { reason: 'x' }), streamId);
    unreadable(await s.post(`/v1/placement-requests/${await s.request()}/offers`, 'nordCoordinator', { facilityId: bad, startDate: '2030-01-01' }), streamId);

    expect((await s.get(`/v1/facilities/${good}`, 'nordCoordinator')).status).toBe(200);
    expect((await s.post(`/v1/facilities/${good}/suspend`, 'nordCoordinator', { reason: 'x' })).status).toBe(200);
  });

  it('answers 503 STREAM.UNREADABLE on a facility stream holding an event before its registration', async () => {
    const facilityId = randomUUID();
    const streamId = `facility-${facilityId}`;
    await insertRaw(streamId, 'FacilitySuspended', { facilityId });
    unreadable(await s.get(`/v1/facilities/${facilityId}`, 'admin'), streamId);
    unreadable(await s.post(`/v1/facilities/${facilityId}/resume`, 'admin', {}), streamId);
  });
});
