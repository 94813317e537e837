import { randomUUID } from 'node:crypto';
import { Scenario, scenarioPerFile } from './support/scenario';

interface EventView {
  type: string;
  data: Record<string, unknown>;
  metadata: { eventId: string };
  position: string;
}

/**
 * PRODUCT.md §3/§4: `OfferDeadlineMissRetracted.lateEventId` is the id of the late event itself,
 * the OfferMade or RequestWithdrawn registered late in the same append, so an auditor can follow
 * the retraction to the fact that caused it.
 */
describe('the late event a retraction names', () => {
  const scenario = scenarioPerFile();
  let s: Scenario;
  beforeEach(() => {
    s = scenario();
  });

  const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
  const events = async (requestId: string) => (await s.get(`/v1/placement-requests/${requestId}/events`, 'auditor')).body.items as EventView[];

  /** An acute request filed as of 3 h ago: its 2 h deadline passed an hour ago; waits for the watcher to judge it. */
  const judgedMissed = async (): Promise<string> => {
    const requestId = await s.request({ urgency: 'acute', occurredAt: hoursAgo(3) });
    const deadline = Date.now() + 60_000;
    while (!(await events(requestId)).some((event) => event.type === 'OfferDeadlineMissed')) {
      if (Date.now() > deadline) throw new Error('the deadline watcher did not judge the backdated request within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return requestId;
  };

  const retractionAndLateEvent = (all: EventView[], lateType: string) => {
    const retraction = all.find((event) => event.type === 'OfferDeadlineMissRetracted');
    const late = all.find((event) => event.type === lateType);
    expect(retraction).toBeDefined();
    expect(late).toBeDefined();
    return { retraction: retraction!, late: late! };
  };

  it('names the late OfferMade by its event id', async () => {
    const facilityId = await s.facility({ places: 5 });
    const requestId = await judgedMissed();
    const offer = await s.post(`/v1/placement-requests/${requestId}/offers`, 'nordCoordinator', { facilityId, startDate: '2030-01-01', occurredAt: hoursAgo(2.5) });
    expect(offer.status).toBe(201);
    const { retraction, late } = retractionAndLateEvent(await events(requestId), 'OfferMade');
    expect(retraction.data.lateEventId).toBe(late.metadata.eventId);
  });

  it('names the late OfferMade by its event id also when the offer carried an Idempotency-Key, and a retry changes nothing', async () => {
    const facilityId = await s.facility({ places: 5 });
    const requestId = await judgedMissed();
    const body = { facilityId, startDate: '2030-01-01', occurredAt: hoursAgo(2.5) };
    const key = `late-offer-${randomUUID()}`;
    const send = () => s.http().post(`/v1/placement-requests/${requestId}/offers`).set('Authorization', s.as('nordCoordinator')).set('Idempotency-Key', key).send(body);
    expect((await send()).status).toBe(201);
    const first = await events(requestId);
    const { retraction, late } = retractionAndLateEvent(first, 'OfferMade');
    expect(retraction.data.lateEventId).toBe(late.metadata.eventId);
    expect((await send()).status).toBeLessThan(300);
    expect(await events(requestId)).toEqual(first);
  });

  it('names the late RequestWithdrawn by its event id', async () => {
    const requestId = await judgedMissed();
    const withdrawn = await s.post(`/v1/placement-requests/${requestId}/withdraw`, 'tromso', { reason: 'child moved in with relatives', occurredAt: hoursAgo(2.5) });
    expect(withdrawn.status).toBe(200);
    const { retraction, late } = retractionAndLateEvent(await events(requestId), 'RequestWithdrawn');
    expect(retraction.data.lateEventId).toBe(late.metadata.eventId);
  });
});
