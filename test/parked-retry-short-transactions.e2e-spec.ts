import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { MAX_EVENTS_PER_TRANSACTION } from '@bistand/projections/parked/parked-events';
import { Projector } from '@bistand/projections/projector';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import { eventually, RawEvents, sqlPool } from './support/parked';
import { Scenario } from './support/scenario';
import { startTestApp, type TestApp } from './support/test-app';

/** The bound (point 4): a command's effect is readable this soon, also while a retry runs. */
const READABLE_WITHIN_MS = 1_000;
const STREAMS = 5;
/** Sound offers parked behind each stream's poison event: more than one transaction's worth. */
const OFFERS_PER_STREAM = 120;

interface Probe {
  readableAfterMs: number;
  status: number;
  listed: boolean;
}

interface RetryTransaction {
  projections: string[];
  streams: string[];
  events: number;
  /** From the transaction's start to its last un-park. */
  ms: number;
}

/**
 * Issue 8, point 4, for the retry of parked events (PRODUCT.md §9): every transaction the product
 * opens holds a transaction id, and every reader of the event store in the cluster waits for the
 * oldest one; a retry's transactions also hold the projection's checkpoint lock, which the live
 * projector's batches need. The retry used to apply all of a projection's parked events in one
 * transaction, so while it ran no projection followed and no read with X-Min-Position answered.
 * Now it works per stream in short transactions. Observed from inside the database (a trigger
 * records the transaction of every un-park) and from outside (commands read back during the retry).
 */
describe('a retry of many parked events keeps its transactions short', () => {
  let testApp: TestApp;
  let s: Scenario;
  let raw: RawEvents;
  let sql: Pool;
  const streams: { requestId: string; poisonId: string; offers: string[] }[] = [];
  let offerTemplate: Record<string, unknown>;

  beforeAll(async () => {
    testApp = await startTestApp();
    s = new Scenario(testApp);
    raw = new RawEvents(testApp);
    sql = sqlPool(testApp);
    const facilityId = await s.facility({ places: 10 });
    const template = await s.request();
    await s.offer(template, facilityId);
    const made = await raw.template(template, 'OfferMade');
    offerTemplate = made.data as Record<string, unknown>;

    for (let i = 0; i < STREAMS; i++) {
      const requestId = await s.request();
      // A malformed offer first (parked), then many sound ones behind it (parked behind it).
      const poison = await raw.append(requestId, 'OfferMade', { requestId, note: `imported ${i}` }, made);
      const offers = Array.from({ length: OFFERS_PER_STREAM }, () => randomUUID());
      const at = new Date().toISOString();
      await raw.store.appendToStream(
        placementRequestStream(requestId),
        offers.map((offerId) => {
          const eventId = randomUUID();
          return { eventId, type: 'OfferMade', data: { ...offerTemplate, requestId, offerId }, metadata: { ...made.metadata, occurredAt: at, recordedAt: at, eventId } };
        }),
        { expectedRevision: 'any' },
      );
      streams.push({ requestId, poisonId: poison.eventId, offers });
    }
    const parked = 2 * STREAMS * (OFFERS_PER_STREAM + 1); // both projections handle OfferMade
    await eventually(async () => ((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM rm_parked_events')).rows[0].n === parked ? true : undefined), `${parked} parked events`, 60_000);

    // The operator repairs the imported events.
    for (const stream of streams) {
      stream.offers.unshift(randomUUID());
      await sql.query('UPDATE public.es_events SET data = $2 WHERE event_id = $1', [stream.poisonId, JSON.stringify({ ...offerTemplate, requestId: stream.requestId, offerId: stream.offers[0] })]);
    }

    // Instrument: every un-park records the transaction it happened in, when that began, and when.
    await sql.query(`
      CREATE TABLE public.test_unparks (xid xid8, projection text, stream_id text, xact_start timestamptz, at timestamptz);
      CREATE FUNCTION public.test_record_unpark() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO public.test_unparks VALUES (pg_current_xact_id(), OLD.projection, OLD.stream_id, now(), clock_timestamp());
          RETURN NULL;
        END $$;
      CREATE TRIGGER test_record_unpark AFTER DELETE ON read_models.rm_parked_events FOR EACH ROW EXECUTE FUNCTION public.test_record_unpark();
    `);
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await testApp?.close();
  });

  it(`applies ${2 * STREAMS * (OFFERS_PER_STREAM + 1)} parked events in order, in transactions of one stream and at most ${MAX_EVENTS_PER_TRANSACTION} events, while commands stay readable within ${READABLE_WITHIN_MS} ms`, async () => {
    let retrying = true;
    const retry = s.post('/v1/admin/parked-events/retry', 'admin').then((response) => {
      retrying = false;
      return response;
    });

    // Meanwhile: commands of other streams, each read back with X-Min-Position; and a new event of
    // a stream still waiting for its turn, which must end up after its parked ones.
    const late = streams[STREAMS - 1];
    const lateOffer = randomUUID();
    await raw.append(late.requestId, 'OfferMade', { ...offerTemplate, requestId: late.requestId, offerId: lateOffer }, await raw.template(late.requestId, 'PlacementRequested'));
    late.offers.push(lateOffer);
    const probes: Probe[] = [];
    while (retrying) {
      const filed = await s.post('/v1/placement-requests', 'tromso', s.requestBody());
      expect(filed.status).toBe(201);
      const answered = Date.now();
      const list = await s.http().get('/v1/placement-requests?municipality=5501&limit=20').set('Authorization', s.as('tromso')).set('X-Min-Position', filed.body.position);
      const readableAfterMs = Date.now() - answered;
      if (!retrying) break; // answered after the retry ended: not a probe during it
      probes.push({ readableAfterMs, status: list.status, listed: list.status === 200 && list.body.items.some((item: { id: string }) => item.id === filed.body.id) });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const answer = await retry;
    expect(answer.status).toBe(200);
    expect(await testApp.app.get(Projector).catchUp(30_000)).toBe(true);
    expect((await sql.query('SELECT * FROM rm_parked_events')).rows).toEqual([]);
    const total = 2 * STREAMS * (OFFERS_PER_STREAM + 1);
    // The late event applied either in the retry (parked behind while its stream waited) or live after it.
    expect(answer.body.applied.length).toBeGreaterThanOrEqual(total);
    expect(answer.body.parked).toEqual([]);

    // Every stream applied in order: its offers in the order they were made, the late one last.
    for (const stream of streams) {
      const row = await sql.query<{ state: { offers: { offerId: string }[] } }>('SELECT state FROM rm_requests WHERE request_id = $1', [stream.requestId]);
      expect(row.rows[0].state.offers.map((offer) => offer.offerId)).toEqual(stream.offers);
      const offers = await sql.query<{ offer_id: string }>('SELECT offer_id FROM rm_facility_offers WHERE request_id = $1', [stream.requestId]);
      expect(offers.rows.map((offer) => offer.offer_id).sort()).toEqual([...stream.offers].sort());
    }

    // Inside the database: each transaction un-parked one stream of one projection, a bounded number of events, briefly.
    const { rows } = await sql.query<RetryTransaction>(`
      SELECT array_agg(DISTINCT projection) AS projections, array_agg(DISTINCT stream_id) AS streams, count(*)::int AS events,
             (extract(epoch FROM max(at) - min(xact_start)) * 1000)::int AS ms
        FROM public.test_unparks GROUP BY xid`);
    expect(rows.reduce((sum, t) => sum + t.events, 0)).toBe(answer.body.applied.length);
    expect(rows.filter((t) => t.projections.length !== 1 || t.streams.length !== 1 || t.events > MAX_EVENTS_PER_TRANSACTION)).toEqual([]);
    expect(rows.length).toBeGreaterThan(2 * STREAMS); // more than one transaction for a stream of more than a transaction's worth
    expect(rows.filter((t) => t.ms > READABLE_WITHIN_MS)).toEqual([]);

    // Outside: the live system kept following while the retry ran.
    expect(probes.length).toBeGreaterThanOrEqual(2);
    const slow = probes.filter((p) => !p.listed || p.readableAfterMs > READABLE_WITHIN_MS);
    expect({ probes: probes.length, slow }).toEqual({ probes: probes.length, slow: [] });
  }, 120_000);
});
