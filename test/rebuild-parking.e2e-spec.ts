import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ALL_PROJECTIONS } from '@bistand/projections/all-projections';
import { Projector } from '@bistand/projections/projector';
import { rebuildReadModels } from '@bistand/projections/rebuild';
import { readModelSnapshot } from './support/read-model-snapshot';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/** A snapshot's parked events without the moment they were parked (a rebuild parks them again, later). */
function withoutParkedAt(snapshot: Record<string, unknown[]>): Record<string, unknown[]> {
  return {
    ...snapshot,
    rm_parked_events: snapshot.rm_parked_events.map((row) => {
      const { parked_at: _parkedAt, ...rest } = JSON.parse(row as string) as Record<string, unknown>;
      return rest;
    }),
  };
}

/**
 * Issue 8, point 3 for rebuilds (PRODUCT.md §9): an event a projection cannot apply is parked with
 * the rest of its stream, by the rebuild as by the live projector, and every other stream is
 * rebuilt; a poison event never fails the whole rebuild.
 */
describe('a rebuild over a store with a poison event', () => {
  let testApp: TestApp;
  let s: Scenario;
  let poisonedRequest: string;
  let poisonPosition: bigint;
  let heldPosition: bigint;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    await s.placed();
    const facilityId = await s.facility({ kind: 'foster_home' });
    const refused = await s.request();
    const offerId = await s.offer(refused, facilityId);
    await s.post(`/v1/placement-requests/${refused}/offers/${offerId}/refuse`, 'tromso', { reason: 'not_matching_needs' });
    poisonedRequest = await s.request();
    await s.offer(poisonedRequest, facilityId);

    // Accepting an offer the request never made: neither the requests nor the capacity projection can apply it.
    const store = testApp.app.get<EventStore>(EVENT_STORE);
    const now = new Date().toISOString();
    const event = (type: string, data: object) => {
      const eventId = randomUUID();
      return { eventId, type, data, metadata: { eventId, occurredAt: now, recordedAt: now, actor: { sub: 'import', role: 'system' }, correlationId: eventId, causationId: eventId, schemaVersion: 1 } };
    };
    const stream = `placement-request-${poisonedRequest}`;
    poisonPosition = (await store.appendToStream(stream, [event('OfferAccepted', { requestId: poisonedRequest, offerId: randomUUID() })], { expectedRevision: 'any' })).position;
    heldPosition = (await store.appendToStream(stream, [event('RequestWithdrawn', { requestId: poisonedRequest, reason: 'situation changed' })], { expectedRevision: 'any' })).position;
    // Later streams go on.
    const later = await s.request();
    await s.post(`/v1/placement-requests/${later}/no-offer`, 'nordCoordinator', { reason: 'none' });
    expect(await testApp.app.get(Projector).catchUp(10_000)).toBe(true);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('finishes, parks the event and the rest of its stream per projection, and rebuilds every other row as the live projector wrote it', async () => {
    const live = await readModelSnapshot(testApp.database.url);
    const parkedLive = live.rm_parked_events.map((row) => JSON.parse(row as string) as { projection: string; position: string; stream_id: string });
    // The live projector parked it (the precondition this test compares against).
    expect(parkedLive.map((row) => `${row.projection}@${row.position}`).sort()).toEqual(
      ['capacity', 'requests-and-breaches'].flatMap((projection) => [`${projection}@${poisonPosition}`, `${projection}@${heldPosition}`]).sort(),
    );

    const result = await rebuildReadModels({ store: testApp.app.get<EventStore>(EVENT_STORE), databaseUrl: testApp.database.url, projections: ALL_PROJECTIONS });
    expect(result.parked).toBe(4);

    const rebuilt = await readModelSnapshot(testApp.database.url);
    // Every table row for row (the poisoned request's rows as before its poison event), and the same parked events with the same errors.
    expect(withoutParkedAt(rebuilt)).toEqual(withoutParkedAt(live));

    const listed = await s.get('/v1/admin/parked-events', 'admin');
    expect(listed.status).toBe(200);
    const poison = listed.body.items.filter((item: { position: string }) => item.position === poisonPosition.toString());
    expect(poison.map((item: { projection: string }) => item.projection).sort()).toEqual(['capacity', 'requests-and-breaches']);
    for (const item of poison) expect(item).toMatchObject({ streamId: `placement-request-${poisonedRequest}`, type: 'OfferAccepted', error: expect.stringMatching(/made no offer/) });
    const held = listed.body.items.filter((item: { position: string }) => item.position === heldPosition.toString());
    for (const item of held) expect(item).toMatchObject({ type: 'RequestWithdrawn', error: expect.stringMatching(/parked/) });
  });
});
