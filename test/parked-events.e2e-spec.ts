import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { Projector } from '@bistand/projections/projector';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { readModelSnapshot } from './support/read-model-snapshot';
import { eventually, RawEvents, sqlPool } from './support/parked';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

interface ParkedItem {
  position: string;
  streamId: string;
  type: string;
  projection: string;
  error: string;
  parkedAt: string;
}

/**
 * PRODUCT.md §9: one request stream gets a poison event (recorded past the write side, as an old
 * import or a bug would leave it). The read side parks it and the rest of its stream, per
 * projection, and goes on with every other stream; an admin fixes the event and retries.
 */
describe('parked events: a poison event halts one stream, not the read side', () => {
  let testApp: TestApp;
  let s: Scenario;
  let raw: RawEvents;
  let sql: Pool;
  let facilityId: string;
  let poisoned: string;
  let poison: { position: bigint; eventId: string };
  let heldBack: { position: bigint; eventId: string };
  const heldBackOffer = randomUUID();
  let offerTemplate: { data: Record<string, unknown> };

  const parked = async (): Promise<ParkedItem[]> => {
    const response = await s.get('/v1/admin/parked-events', 'admin');
    expect(response.status).toBe(200);
    return response.body.items;
  };
  const facilityLoad = async () => (await sql.query<{ reserved: number; occupied: number }>('SELECT reserved, occupied FROM rm_facilities WHERE facility_id = $1', [facilityId])).rows[0];
  const offerData = (requestId: string, offerId: string) => ({ ...offerTemplate.data, requestId, offerId });

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    raw = new RawEvents(testApp);
    sql = sqlPool(testApp);
    facilityId = await s.facility({ places: 10 });
    const template = await s.request();
    await s.offer(template, facilityId);
    const made = await raw.template(template, 'OfferMade');
    offerTemplate = { data: made.data as Record<string, unknown> };

    poisoned = await s.request();
    // Malformed: an OfferMade without its offer, facility or anything else a projection needs.
    poison = await raw.append(poisoned, 'OfferMade', { requestId: poisoned, note: 'imported from the old register' }, made);
    // A sound event of the same stream after it: it must wait behind the poison, not be applied out of order.
    heldBack = await raw.append(poisoned, 'OfferMade', offerData(poisoned, heldBackOffer), made);
  });
  afterAll(async () => {
    await sql.end();
    await testApp.close();
  });

  it('parks the poison event and every later event of its stream, per projection, with the error', async () => {
    const items = await eventually(async () => {
      const now = await parked();
      return now.length >= 4 ? now : undefined;
    }, 'four parked events');
    const stream = `placement-request-${poisoned}`;
    expect(items).toHaveLength(4);
    expect(items.map((i) => [i.position, i.projection]).sort()).toEqual(
      [
        [poison.position.toString(), 'capacity'],
        [poison.position.toString(), 'requests-and-breaches'],
        [heldBack.position.toString(), 'capacity'],
        [heldBack.position.toString(), 'requests-and-breaches'],
      ].sort(),
    );
    for (const item of items) {
      expect(item).toEqual({ position: expect.stringMatching(/^\d+$/), streamId: stream, type: 'OfferMade', projection: expect.any(String), error: expect.any(String), parkedAt: expect.any(String) });
      expect(new Date(item.parkedAt).toISOString()).toBe(item.parkedAt);
    }
    const poisonErrors = items.filter((i) => i.position === poison.position.toString()).map((i) => i.error);
    for (const error of poisonErrors) expect(error).toMatch(/offerId/);
    const heldErrors = items.filter((i) => i.position === heldBack.position.toString()).map((i) => i.error);
    for (const error of heldErrors) expect(error).toContain(`position ${poison.position}`);
  });

  it('goes on with every other stream: commands, reads with X-Min-Position and a new offer (which waits for the read models) all work', async () => {
    const other = await s.request();
    // The held-back offer is on `facilityId`, whose figures now lack it: offers there wait for the
    // retry (503 READ_MODEL.PARKED); a facility no parked stream touches takes offers as usual.
    const onAffected = await s.post(`/v1/placement-requests/${other}/offers`, 'nordCoordinator', { facilityId, startDate: '2025-03-03' });
    expect(onAffected.status).toBe(503);
    expect(onAffected.body.code).toBe('READ_MODEL.PARKED');
    const offer = await s.post(`/v1/placement-requests/${other}/offers`, 'nordCoordinator', { facilityId: await s.facility(), startDate: '2025-03-03' });
    expect(offer.status).toBe(201);
    const list = await s.http().get('/v1/placement-requests?limit=100').set('Authorization', s.as('auditor')).set('X-Min-Position', offer.body.position);
    expect(list.status).toBe(200);
    expect(list.body.items.find((item: { id: string }) => item.id === other)?.status).toBe('offered');
    const facility = await s.post('/v1/facilities', 'nordCoordinator', s.facilityBody());
    expect(facility.status).toBe(201);
    // The template's offer only: the held-back offer of the poisoned stream is not counted yet (which is why offers here wait).
    expect(await facilityLoad()).toEqual({ reserved: 1, occupied: 0 });
    const row = await sql.query<{ status: string }>('SELECT status FROM rm_requests WHERE request_id = $1', [poisoned]);
    expect(row.rows[0].status).toBe('requested');
  });

  it('shows admins and auditors the parked events, and no one else', async () => {
    const admin = await s.get('/v1/admin/parked-events', 'admin');
    const auditor = await s.get('/v1/admin/parked-events', 'auditor');
    expect(auditor.status).toBe(200);
    expect(auditor.body).toEqual(admin.body);
    for (const caller of ['nordCoordinator', 'tromso'] as const) {
      expect((await s.get('/v1/admin/parked-events', caller)).status).toBe(403);
      expect((await s.post('/v1/admin/parked-events/retry', caller)).status).toBe(403);
    }
    expect((await s.post('/v1/admin/parked-events/retry', 'auditor')).status).toBe(403);
    expect((await s.http().get('/v1/admin/parked-events')).status).toBe(401);
  });

  it('reports degraded (200) in /health/ready with the count per projection, keeps readModels ready, and counts in /metrics', async () => {
    const ready = await s.http().get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('degraded');
    expect(ready.body.checks.parkedEvents).toEqual({ status: 'degraded', count: 4, projections: { capacity: 2, 'requests-and-breaches': 2 } });
    expect(ready.body.checks.readModels.status).toBe('ready');
    const metrics = await s.http().get('/metrics');
    expect(metrics.text).toMatch(/^bistand_projection_parked_events 4$/m);
    expect(metrics.text).toMatch(/^bistand_projection_parked_events\{projection="capacity"\} 2$/m);
    expect(metrics.text).toMatch(/^bistand_projection_parked_events\{projection="requests-and-breaches"\} 2$/m);
  });

  it('keeps the parked state across a restart, and keeps parking the stream’s new events', async () => {
    const before = await parked();
    await testApp.close({ keepDatabase: true });
    testApp = await startTestApp({ database: testApp.database });
    s = new Scenario(testApp);
    raw = new RawEvents(testApp);
    expect(await parked()).toEqual(before);
    expect((await s.http().get('/health/ready')).body.status).toBe('degraded');

    // A new event of the parked stream (it arrives while the stream is parked): parked behind the poison.
    const accept = await raw.append(poisoned, 'OfferAccepted', { requestId: poisoned, offerId: heldBackOffer }, await raw.template(poisoned, 'PlacementRequested'));
    const items = await eventually(async () => {
      const now = await parked();
      return now.length >= 6 ? now : undefined;
    }, 'the new event parked');
    expect(items.filter((i) => i.position === accept.position.toString()).map((i) => i.projection).sort()).toEqual(['capacity', 'requests-and-breaches']);
    // Other streams still flow after the restart.
    await s.request();
  });

  it('retries: what still fails stays parked with its error; once the event is fixed, the stream applies in order and the read models equal a rebuild', async () => {
    const stillBroken = await s.post('/v1/admin/parked-events/retry', 'admin');
    expect(stillBroken.status).toBe(200);
    expect(stillBroken.body.applied).toEqual([]);
    expect(stillBroken.body.parked).toHaveLength(6);

    // The operator repairs the imported event in the store.
    const fixedOffer = randomUUID();
    await sql.query('UPDATE public.es_events SET data = $2 WHERE event_id = $1', [poison.eventId, JSON.stringify(offerData(poisoned, fixedOffer))]);

    const retried = await s.post('/v1/admin/parked-events/retry', 'admin');
    expect(retried.status).toBe(200);
    expect(retried.body.parked).toEqual([]);
    expect(retried.body.applied).toHaveLength(6);
    for (const projection of ['capacity', 'requests-and-breaches']) {
      const positions = retried.body.applied.filter((a: ParkedItem) => a.projection === projection).map((a: ParkedItem) => BigInt(a.position));
      expect(positions).toEqual([...positions].sort((a, b) => (a < b ? -1 : 1)));
      expect(positions).toHaveLength(3);
    }

    const row = await sql.query<{ status: string; state: { offers: { offerId: string; status: string }[] } }>('SELECT status, state FROM rm_requests WHERE request_id = $1', [poisoned]);
    expect(row.rows[0].status).toBe('accepted');
    expect(row.rows[0].state.offers.map((o) => [o.offerId, o.status])).toEqual([
      [fixedOffer, 'superseded'],
      [heldBackOffer, 'accepted'],
    ]);
    // Template + the accepted held-back offer (the other request's offer went elsewhere); the fixed one was superseded.
    expect(await facilityLoad()).toEqual({ reserved: 2, occupied: 0 });

    const ready = await s.http().get('/health/ready');
    expect(ready.body.checks.parkedEvents).toEqual({ status: 'ready', count: 0, projections: {} });
    expect((await s.http().get('/metrics')).text).toMatch(/^bistand_projection_parked_events 0$/m);

    // The stream is live again: its next command's effect is read with X-Min-Position.
    const withdrawn = await s.post(`/v1/placement-requests/${poisoned}/withdraw`, 'tromso', { reason: 'resolved' });
    expect(withdrawn.status).toBe(200);
    const list = await s.http().get('/v1/placement-requests?limit=100').set('Authorization', s.as('auditor')).set('X-Min-Position', withdrawn.body.position);
    expect(list.body.items.find((item: { id: string }) => item.id === poisoned)?.status).toBe('withdrawn');

    // Rows as a rebuild from the (fixed) events writes them. The capacity history is left out: the
    // retry applied the stream's offers after later ones of other streams, so its versions start at other instants.
    const compared = (snapshot: Record<string, unknown[]>) => {
      const { rm_capacity_history: _history, rm_checkpoints: _checkpoints, ...rest } = snapshot;
      return rest;
    };
    const live = await readModelSnapshot(testApp.database.url);
    await rebuildReadModels({ store: testApp.app.get<EventStore>(EVENT_STORE), databaseUrl: testApp.database.url, projections: ALL_PROJECTIONS });
    expect(compared(await readModelSnapshot(testApp.database.url))).toEqual(compared(live));
  });

  it('a facility whose registration was parked counts the offers made on it meanwhile once it is retried', async () => {
    const facility = randomUUID();
    const registered = { facilityId: facility, name: 'Imported', kind: 'institution', region: 'nord', municipality: '5501', location: 'somewhere up north', places: 4, targetGroups: ['behaviour'] };
    const at = new Date().toISOString();
    const registration = randomUUID();
    const { position } = await raw.store.appendToStream(
      `facility-${facility}`,
      [{ eventId: registration, type: 'FacilityRegistered', data: registered, metadata: { occurredAt: at, recordedAt: at, eventId: registration } }],
      { expectedRevision: 'no_stream' },
    );
    const requestId = await s.request();
    await raw.append(requestId, 'OfferMade', { ...offerData(requestId, randomUUID()), facilityId: facility }, await raw.template(requestId, 'PlacementRequested'));
    const items = await eventually(async () => {
      const now = (await parked()).filter((item) => item.streamId === `facility-${facility}`);
      return now.length > 0 ? now : undefined;
    }, 'the registration parked');
    expect(items.map((i) => [i.position, i.projection, i.type])).toEqual([[position.toString(), 'capacity', 'FacilityRegistered']]);

    expect(await testApp.app.get(Projector).catchUp(30_000)).toBe(true);
    // The offer is in, on a facility the capacity read model does not know yet.
    expect((await sql.query('SELECT status FROM rm_facility_offers WHERE facility_id = $1', [facility])).rows).toEqual([{ status: 'open' }]);
    expect((await sql.query('SELECT 1 FROM rm_facilities WHERE facility_id = $1', [facility])).rows).toEqual([]);
    await sql.query('UPDATE public.es_events SET data = $2 WHERE event_id = $1', [registration, JSON.stringify({ ...registered, location: { lat: 69.6, lon: 18.9 } })]);
    const retried = await s.post('/v1/admin/parked-events/retry', 'admin');
    expect(retried.body.applied).toEqual([{ position: position.toString(), streamId: `facility-${facility}`, type: 'FacilityRegistered', projection: 'capacity' }]);
    const row = await sql.query('SELECT places, reserved, occupied FROM rm_facilities WHERE facility_id = $1', [facility]);
    expect(row.rows[0]).toEqual({ places: 4, reserved: 1, occupied: 0 });
  });

  it('a stream un-parked by a retry while its next event arrives ends applied in order, with nothing left parked', async () => {
    for (let round = 0; round < 5; round++) {
      const requestId = await s.request();
      const template = await raw.template(requestId, 'PlacementRequested');
      const broken = await raw.append(requestId, 'OfferMade', { requestId, note: `round ${round}` }, template);
      const ofStream = async () => (await parked()).filter((item) => item.streamId === `placement-request-${requestId}`);
      await eventually(async () => ((await ofStream()).length === 2 ? true : undefined), 'the broken offer parked');
      const repaired = randomUUID();
      await sql.query('UPDATE public.es_events SET data = $2 WHERE event_id = $1', [broken.eventId, JSON.stringify(offerData(requestId, repaired))]);
      // The live projector and the retry race for the stream: whichever takes the checkpoint lock first, the order holds.
      const next = randomUUID();
      const [retry] = await Promise.all([s.post('/v1/admin/parked-events/retry', 'admin'), raw.append(requestId, 'OfferMade', offerData(requestId, next), template)]);
      expect(retry.status).toBe(200);
      expect(await testApp.app.get(Projector).catchUp(30_000)).toBe(true);
      expect(await ofStream()).toEqual([]);
      const row = await sql.query<{ state: { offers: { offerId: string }[] } }>('SELECT state FROM rm_requests WHERE request_id = $1', [requestId]);
      expect(row.rows[0].state.offers.map((o) => o.offerId)).toEqual([repaired, next]);
      const offers = await sql.query('SELECT offer_id FROM rm_facility_offers WHERE request_id = $1 ORDER BY offer_id', [requestId]);
      expect(offers.rows.map((o) => o.offer_id)).toEqual([repaired, next].sort());
    }
  });
});
