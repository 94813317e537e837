import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { Scenario } from './support/scenario';
import { RawEvents, eventually, sqlPool } from './support/parked';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Found by review (issue 8): the capacity read model leaves out streams parked for it, so an
 * offer decided on it could take a place a parked offer holds (PRODUCT.md §5 under §9). An offer
 * whose facility or offer id a parked stream touches is answered 503 READ_MODEL.PARKED instead;
 * offers on other facilities go on, and once the parked events apply the figures are whole again.
 */
describe('offers beside parked capacity events', () => {
  let testApp: TestApp;
  let s: Scenario;
  let raw: RawEvents;
  let sql: Pool;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    raw = new RawEvents(testApp);
    sql = sqlPool(testApp);
  });
  afterAll(async () => {
    await sql.end();
    await testApp.close();
  });

  it('refuses an offer on a facility whose held place waits in a parked stream (503 READ_MODEL.PARKED), not one elsewhere; after the retry the place counts (409 FACILITY.FULL)', async () => {
    const full = await s.facility({ places: 1 });
    const elsewhere = await s.facility({ places: 1 });
    const template = await raw.template(await (async () => {
      const id = await s.request();
      await s.offer(id, elsewhere);
      return id;
    })(), 'OfferMade');

    // A request whose first offer event is malformed, and a sound offer on `full` behind it: both parked.
    const holder = await s.request();
    const poison = await raw.append(holder, 'OfferMade', { requestId: holder, note: 'imported from the old register' }, template);
    const heldOfferId = randomUUID();
    await raw.append(holder, 'OfferMade', { ...(template.data as object), requestId: holder, offerId: heldOfferId, facilityId: full }, template);
    await eventually(async () => {
      const { rows } = await sql.query("SELECT count(*)::int AS n FROM rm_parked_events WHERE projection = 'capacity' AND stream_id = $1", [`placement-request-${holder}`]);
      return rows[0].n === 2 ? true : undefined;
    }, 'both events parked for capacity');

    const other = await s.request();
    const refused = await s.post(`/v1/placement-requests/${other}/offers`, 'nordCoordinator', { facilityId: full, startDate: '2030-01-01' });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('READ_MODEL.PARKED');
    // Offers on a facility no parked stream touches go on.
    const third = await s.facility({ places: 1 });
    const unaffected = await s.post(`/v1/placement-requests/${await s.request()}/offers`, 'nordCoordinator', { facilityId: third, startDate: '2030-01-01' });
    expect(unaffected.status).toBe(201);
    // The held offer's id is taken too, even though the read model does not know it yet.
    const sameId = await s.post(`/v1/placement-requests/${other}/offers`, 'nordCoordinator', { offerId: heldOfferId, facilityId: elsewhere, startDate: '2030-01-01', overbook: true, reason: 'test' });
    expect(sameId.status).toBe(503);

    // Fix the poison, apply the parked events again: the held place now counts.
    await sql.query('UPDATE public.es_events SET data = $2 WHERE event_id = $1', [poison.eventId, JSON.stringify({ ...(template.data as object), requestId: holder, offerId: randomUUID(), facilityId: elsewhere })]);
    const retried = await s.post('/v1/admin/parked-events/retry', 'admin');
    expect(retried.status).toBe(200);
    expect(retried.body.parked).toEqual([]);
    const full409 = await s.post(`/v1/placement-requests/${other}/offers`, 'nordCoordinator', { facilityId: full, startDate: '2030-01-01' });
    expect(full409.status).toBe(409);
    expect(full409.body.code).toBe('FACILITY.FULL');
  });
});
