import { randomUUID } from 'node:crypto';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * PRODUCT.md §5 under concurrency: when offers race for a facility's last places, exactly as many
 * succeed as there were places and every other one gets 409 FACILITY.FULL (or is recorded as
 * overbooked when it asked to be); also when the offers arrive at two app processes sharing one
 * database. An offer id is unique across all requests, also when two requests race for one.
 */
describe('capacity under concurrency', () => {
  let first: TestApp;
  let second: TestApp;
  let a: Scenario;
  let b: Scenario;

  beforeAll(async () => {
    first = await startTestApp();
    second = await startTestApp({ database: first.database });
    a = new Scenario(first);
    b = new Scenario(second);
  });
  afterAll(async () => {
    await second?.close({ keepDatabase: true });
    await first?.close();
  });

  const requests = async (count: number): Promise<string[]> => {
    const ids: string[] = [];
    // Filed a few at a time: the race under test is the offers', not the filings'.
    for (let i = 0; i < count; i += 5) ids.push(...(await Promise.all(Array.from({ length: Math.min(5, count - i) }, () => a.request()))));
    return ids;
  };

  const offerOn = (s: Scenario, requestId: string, body: Record<string, unknown>) =>
    s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { startDate: '2030-01-01', ...body });

  const facilityNumbers = async (facilityId: string) => (await a.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body as Record<string, unknown>;

  const tally = (responses: { status: number; body: { code?: string } }[]) => ({
    created: responses.filter((r) => r.status === 201).length,
    full: responses.filter((r) => r.status === 409 && r.body.code === 'FACILITY.FULL').length,
    other: responses.filter((r) => r.status !== 201 && !(r.status === 409 && r.body.code === 'FACILITY.FULL')).map((r) => [r.status, r.body.code]),
  });

  it('lets exactly 3 of 20 concurrent offers for a facility with 3 places through, and answers the other 17 with 409 FACILITY.FULL', async () => {
    const facilityId = await a.facility({ places: 3 });
    const ids = await requests(20);
    const responses = await Promise.all(ids.map((requestId) => offerOn(a, requestId, { facilityId })));
    expect(tally(responses)).toEqual({ created: 3, full: 17, other: [] });
    expect(await facilityNumbers(facilityId)).toMatchObject({ places: 3, reserved: 3, occupied: 0, available: 0, overbooked: false });
    const ready = await a.http().get('/health/ready');
    expect(ready.body.checks.commandLocks).toEqual({ status: 'ready', held: 0, waiting: 0, timeouts: 0 });
    expect((await a.http().get('/metrics')).text).toMatch(/^bistand_command_lock_timeouts_total 0$/m);
  });

  it('holds the same across two app processes on one database that split the 20 offers between them', async () => {
    const facilityId = await a.facility({ places: 3 });
    const ids = await requests(20);
    const responses = await Promise.all(ids.map((requestId, i) => offerOn(i % 2 === 0 ? a : b, requestId, { facilityId })));
    expect(tally(responses)).toEqual({ created: 3, full: 17, other: [] });
    expect(await facilityNumbers(facilityId)).toMatchObject({ reserved: 3, available: 0, overbooked: false });
    expect((await b.get(`/v1/facilities/${facilityId}`, 'nordCoordinator')).body).toMatchObject({ reserved: 3 });
  });

  it('records racing offers that ask to overbook as overbooked once the places are gone, and only then', async () => {
    const facilityId = await a.facility({ places: 2 });
    const ids = await requests(8);
    const responses = await Promise.all(ids.map((requestId, i) => offerOn(i % 2 === 0 ? a : b, requestId, { facilityId, overbook: true, reason: 'akutt, ingen annen plass' })));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    const overbooked = await Promise.all(
      ids.map(async (requestId) => {
        const events = (await a.get(`/v1/placement-requests/${requestId}/events`, 'auditor')).body.items as { type: string; data: { overbooked: boolean } }[];
        return events.find((event) => event.type === 'OfferMade')!.data.overbooked;
      }),
    );
    expect(overbooked.filter((flag) => !flag)).toHaveLength(2);
    expect(overbooked.filter((flag) => flag)).toHaveLength(6);
    expect(await facilityNumbers(facilityId)).toMatchObject({ places: 2, reserved: 8, available: 0, overbooked: true });
  });

  it('answers 409 OFFER.ID_TAKEN to an offer id that already exists on another request, and keeps the same id on the same request idempotent', async () => {
    const facilityId = await a.facility({ places: 10 });
    const [first, other] = await requests(2);
    const offerId = randomUUID();
    const made = await offerOn(a, first, { facilityId, offerId });
    expect(made.status).toBe(201);
    expect((await offerOn(b, first, { facilityId, offerId })).status).toBe(200);
    const reused = await offerOn(b, other, { facilityId, offerId });
    expect([reused.status, reused.body.code]).toEqual([409, 'OFFER.ID_TAKEN']);
    expect(reused.headers['content-type']).toMatch(/problem\+json/);
    expect(await facilityNumbers(facilityId)).toMatchObject({ reserved: 1 });
    expect((await a.get(`/v1/placement-requests/${other}`, 'nordCoordinator')).body.offers).toEqual([]);
  });

  it('answers 422 to an Idempotency-Key reused for an offer on another request, instead of giving that request the same derived offer id', async () => {
    const facilityId = await a.facility({ places: 10 });
    const [first, other] = await requests(2);
    const key = `offer-${randomUUID()}`;
    const send = (requestId: string) =>
      a.http().post(`/v1/placement-requests/${requestId}/offers`).set('Authorization', a.as('nordCoordinator')).set('Idempotency-Key', key).send({ facilityId, startDate: '2030-01-01' });
    expect((await send(first)).status).toBe(201);
    const reused = await send(other);
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY.KEY_REUSED']);
    expect((await a.get(`/v1/placement-requests/${other}`, 'nordCoordinator')).body.offers).toEqual([]);
  });

  it('lets exactly one of six requests racing for the same offer id (on different facilities and processes) have it', async () => {
    const facilities = await Promise.all([a.facility({ places: 5 }), a.facility({ places: 5 })]);
    const ids = await requests(6);
    const offerId = randomUUID();
    const responses = await Promise.all(ids.map((requestId, i) => offerOn(i % 2 === 0 ? a : b, requestId, { facilityId: facilities[i % 2], offerId })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(Array(5).fill('OFFER.ID_TAKEN'));
    const reserved = await Promise.all(facilities.map(async (id) => (await facilityNumbers(id)).reserved));
    expect(reserved.sort()).toEqual([0, 1]);
  });
});
