import { randomUUID } from 'node:crypto';
import { DeadlineWatcher } from '@bistand/commands/deadline-watcher/deadline-watcher';
import type { BreachView } from '@bistand/projections/breaches/breach-register';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

describe('the breach register, rule by rule, end to end', () => {
  let testApp: TestApp;
  let s: Scenario;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
  });
  afterAll(async () => {
    await testApp.close();
  });

  /** The request's breaches once the read models include `position`. */
  async function breachesOf(requestId: string, position: string, caller: 'auditor' | 'tromso' = 'auditor') {
    const response = await s.http().get(`/v1/placement-requests/${requestId}`).set('Authorization', s.as(caller)).set('X-Min-Position', position);
    expect(response.status).toBe(200);
    return response.body.breaches as BreachView[];
  }

  async function waitForBreach(requestId: string, type: string, timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = (await s.get(`/v1/placement-requests/${requestId}`, 'auditor')).body.breaches.find((b: { type: string }) => b.type === type);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return undefined;
  }

  it('records NO_OFFER_BEFORE_DEADLINE within seconds for a backdated acute request with no offer', async () => {
    const started = Date.now();
    const requestId = await s.request({ occurredAt: hoursAgo(3) });
    const breach = await waitForBreach(requestId, 'NO_OFFER_BEFORE_DEADLINE', 8_000);
    expect(breach).toMatchObject({ type: 'NO_OFFER_BEFORE_DEADLINE', retracted: false, policyVersion: '2025-1' });
    expect(Date.now() - started).toBeLessThan(8_000);
    const events = (await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor')).body.items;
    expect(events[1]).toMatchObject({ type: 'OfferDeadlineMissed', metadata: { actor: { sub: 'system', role: 'system' } } });
  });

  it('records no deadline breach when the offer is dated one minute before the deadline', async () => {
    const facilityId = await s.facility();
    const requestId = await s.request({ occurredAt: hoursAgo(3) });
    const requestedAt = Date.parse((await s.get(`/v1/placement-requests/${requestId}`, 'auditor')).body.occurredAt);
    const offer = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', {
      facilityId,
      startDate: '2025-03-03',
      occurredAt: new Date(requestedAt + 2 * 3_600_000 - 60_000).toISOString(),
    });
    expect(offer.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(await breachesOf(requestId, offer.body.position)).toEqual([]);
  });

  it('retracts the breach, keeping it, when an offer dated before the deadline is registered late', async () => {
    const facilityId = await s.facility();
    const requestId = await s.request({ occurredAt: hoursAgo(3) });
    const requestedAt = Date.parse((await s.get(`/v1/placement-requests/${requestId}`, 'auditor')).body.occurredAt);
    expect(await waitForBreach(requestId, 'NO_OFFER_BEFORE_DEADLINE', 8_000)).toBeDefined();
    const late = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', {
      facilityId,
      startDate: '2025-03-03',
      occurredAt: new Date(requestedAt + 110 * 60_000).toISOString(),
    });
    expect(late.status).toBe(201);
    const events = (await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor')).body.items.map((e: { type: string }) => e.type);
    expect(events.slice(-2)).toEqual(['OfferMade', 'OfferDeadlineMissRetracted']);
    const [breach] = await breachesOf(requestId, late.body.position);
    expect(breach).toMatchObject({ type: 'NO_OFFER_BEFORE_DEADLINE', retracted: true, retractedAt: expect.any(String) });

    const list = (query: string) => s.http().get(`/v1/breaches?municipality=5501&type=NO_OFFER_BEFORE_DEADLINE&limit=500${query}`).set('Authorization', s.as('auditor'));
    const ids = async (query: string) => (await list(query)).body.items.map((b: { id: string }) => b.id);
    expect(await ids('')).not.toContain(breach.id);
    expect(await ids('&includeRetracted=true')).toContain(breach.id);
    const beforeRetraction = new Date(Date.parse(breach.retractedAt ?? "") - 1).toISOString();
    const asOf = (await list(`&asOf=${encodeURIComponent(beforeRetraction)}`)).body.items.find((b: { id: string }) => b.id === breach.id);
    expect(asOf).toMatchObject({ retracted: false, retractedAt: null });
    const beforeRecorded = (await list(`&asOf=${encodeURIComponent(new Date(Date.parse(breach.recordedAt) - 1).toISOString())}&includeRetracted=true`)).body.items;
    expect(beforeRecorded.map((b: { id: string }) => b.id)).not.toContain(breach.id);
  });

  it('records NO_OFFER_DECLARED at the declaration', async () => {
    const requestId = await s.request();
    const declared = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'no place' });
    expect((await breachesOf(requestId, declared.body.position)).map((b) => b.type)).toEqual(['NO_OFFER_DECLARED']);
  });

  it('records OFFER_NOT_MATCHING_NEEDS once per offer: wrong kind, then refused as not matching', async () => {
    const fosterHome = await s.facility({ kind: 'foster_home' });
    const requestId = await s.request({ placementKind: 'institution' });
    const offerId = await s.offer(requestId, fosterHome);
    const refused = await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/refuse`, 'tromso', { reason: 'not_matching_needs' });
    const breaches = await breachesOf(requestId, refused.body.position);
    expect(breaches.map((b) => [b.type, b.offerId])).toEqual([['OFFER_NOT_MATCHING_NEEDS', offerId]]);
  });

  it('records PLACED_FAR_FROM_HOME and PLACED_AFTER_NEEDED_BY for a late placement 1,300 km away', async () => {
    const kristiansand = (await s.post('/v1/facilities', 'admin', s.facilityBody({ region: 'sor', municipality: '4204', location: { lat: 58.15, lon: 7.99 } }))).body.id;
    const requestId = await s.request({ occurredAt: hoursAgo(5), neededBy: hoursAgo(4) });
    const offerId = await s.offer(requestId, kristiansand);
    await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso');
    const placed = await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
    const types = (await breachesOf(requestId, placed.body.position)).map((b) => b.type);
    expect(types).toEqual(expect.arrayContaining(['PLACED_FAR_FROM_HOME', 'PLACED_AFTER_NEEDED_BY']));
  });

  it('records nothing for a matching placement 149 km away in the home region, in time (the near miss of PLACED_FAR_FROM_HOME)', async () => {
    const facilityId = await s.facility({ location: { lat: 68.31, lon: 18.956 } });
    const requestId = await s.request();
    const offerId = await s.offer(requestId, facilityId);
    await s.post(`/v1/placement-requests/${requestId}/offers/${offerId}/accept`, 'tromso');
    const placed = await s.post(`/v1/placement-requests/${requestId}/placement`, 'nordCoordinator', { offerId, placedAt: new Date().toISOString() });
    const view = (await s.get(`/v1/placement-requests/${requestId}`, 'auditor')).body;
    expect(view.placement).toMatchObject({ distanceKm: 149, outsideHomeRegion: false });
    expect(await breachesOf(requestId, placed.body.position)).toEqual([]);
  });

  it('records nothing for a matching placement close to home, in time', async () => {
    const { requestId } = await s.placed();
    const view = await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor');
    const last = view.body.items[view.body.items.length - 1];
    expect(await breachesOf(requestId, last.position)).toEqual([]);
  });

  it('pages the register with a cursor, filters it, and gives CSV on Accept: text/csv', async () => {
    const requestIds = [];
    for (let i = 0; i < 3; i++) {
      const requestId = await s.request();
      await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: `none ${i}` });
      requestIds.push(requestId);
    }
    const head = (await s.get('/v1/placement-requests/' + requestIds[2] + '/events', 'auditor')).body.items[1].position;
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await s
        .http()
        .get(`/v1/breaches?type=NO_OFFER_DECLARED&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .set('Authorization', s.as('auditor'))
        .set('X-Min-Position', head);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      all.push(...page.body.items.map((b) => b.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(3);

    const csv = await s.http().get('/v1/breaches?type=NO_OFFER_DECLARED').set('Authorization', s.as('auditor')).set('Accept', 'text/csv');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,requestId,type,occurredAt,recordedAt,region,municipality,urgency,placementKind,offerId,policyVersion,retracted,retractedAt');
    expect(lines.length - 1).toBe(all.length);
  });

  it('keeps the register in scope: Oslo sees none of Tromsø’s breaches; the nord coordinator does', async () => {
    const requestId = await s.request();
    const declared = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'none' });
    const list = (caller: 'oslo' | 'osloCoordinator' | 'nordCoordinator' | 'tromso') =>
      s.http().get('/v1/breaches?limit=500').set('Authorization', s.as(caller)).set('X-Min-Position', declared.body.position);
    for (const caller of ['oslo', 'osloCoordinator'] as const) expect((await list(caller)).body.items.filter((b: { requestId: string }) => b.requestId === requestId)).toEqual([]);
    for (const caller of ['nordCoordinator', 'tromso'] as const) expect((await list(caller)).body.items.some((b: { requestId: string }) => b.requestId === requestId)).toBe(true);
  });

  it('400 naming the field for bad filters, and for a bad cursor', async () => {
    const bad = await s.get('/v1/breaches?type=LATE&limit=0&from=yesterday', 'auditor');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['from', 'limit', 'type']);
    expect((await s.get('/v1/breaches?cursor=garbage', 'auditor')).status).toBe(400);
  });

  it('503 when X-Min-Position lies beyond anything written, 400 when it is not a position', async () => {
    const ahead = await s.http().get('/v1/breaches').set('Authorization', s.as('auditor')).set('X-Min-Position', '9'.repeat(18));
    expect(ahead.status).toBe(503);
    const bad = await s.http().get('/v1/breaches').set('Authorization', s.as('auditor')).set('X-Min-Position', 'latest');
    expect(bad.status).toBe(400);
  }, 15_000);

  it('appends the deadline miss once even when two watchers judge the same request at once', async () => {
    const requestId = await s.request({ occurredAt: hoursAgo(3) });
    const watcher = testApp.app.get(DeadlineWatcher);
    const later = new Date(Date.now() + 5_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await Promise.all([watcher.sweep(later), watcher.sweep(later), watcher.sweep(later)]);
    await waitForBreach(requestId, 'NO_OFFER_BEFORE_DEADLINE', 8_000);
    const types = (await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor')).body.items.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'OfferDeadlineMissed')).toHaveLength(1);
  });

  it('uses unique, deterministic breach ids', async () => {
    const requestId = await s.request();
    const declared = await s.post(`/v1/placement-requests/${requestId}/no-offer`, 'nordCoordinator', { reason: 'x' });
    const [breach] = await breachesOf(requestId, declared.body.position);
    expect(breach).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), requestId });
    expect(randomUUID()).not.toBe(breach.id);
  });
});
