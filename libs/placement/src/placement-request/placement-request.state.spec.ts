import { UnfoldableEventError } from '../unfoldable-event';
import { decidePlacementRequest } from './placement-request.decider';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type PlacementRequestState } from './placement-request.state';

const requestId = '5f0c4a7e-0000-4000-8000-000000000001';
const requested: PlacementRequestEvent = {
  type: T.PlacementRequested,
  data: {
    requestId,
    municipality: '5501',
    region: 'nord',
    childRef: 'child-1',
    birthYear: 2012,
    urgency: 'acute',
    placementKind: 'institution',
    targetGroup: 'behaviour',
    neededBy: '2025-03-03',
    legalBasis: 'bvl § 4-2',
    childHeard: true,
  },
};
const offerMade = (offerId: string, facilityId = 'f-1'): PlacementRequestEvent => ({
  type: T.OfferMade,
  data: { requestId, offerId, facilityId, facilityKind: 'institution', facilityTargetGroups: ['behaviour'], facilityRegion: 'nord', distanceKm: 3.6, startDate: '2025-03-03', overbooked: false },
});

/** Folds raw events (typed loosely on purpose: stored events are whatever was stored). */
function fold(...events: { type: string; data: unknown }[]): PlacementRequestState {
  return events.reduce<PlacementRequestState>(
    (state, event, index) => evolvePlacementRequest(state, { ...(event as PlacementRequestEvent), eventId: `e${index}`, occurredAt: new Date(Date.UTC(2025, 2, 3, 8, index)) }),
    initialPlacementRequestState,
  );
}

function refusal(...events: { type: string; data: unknown }[]): string {
  try {
    fold(...events);
  } catch (error) {
    if (error instanceof UnfoldableEventError) return error.reason;
    throw error;
  }
  throw new Error('expected the fold to refuse');
}

describe('the request fold refuses what the decider could never have written', () => {
  it('folds a well-formed history', () => {
    const state = fold(requested, offerMade('o1'), { type: T.OfferAccepted, data: { requestId, offerId: 'o1' } });
    expect(state).toMatchObject({ exists: true, status: 'accepted', offers: [{ offerId: 'o1', status: 'accepted' }] });
  });

  it.each([
    ['an unknown event type', [requested, { type: 'OfferTeleported', data: { requestId } }], /not an event type/],
    ['data that is not an object', [requested, { type: T.OfferAccepted, data: null }], /not an object/],
    ['a missing required field', [requested, { type: T.OfferAccepted, data: { requestId } }], /data.offerId is missing/],
    ['a value outside its enum', [requested, offerMade('o1'), { type: T.OfferRefused, data: { requestId, offerId: 'o1', reason: 'bored' } }], /data.reason/],
    ['a number that is a string', [{ ...requested, data: { ...requested.data, birthYear: '2012' } }], /data.birthYear/],
    ['a date that is no date', [requested, { type: T.OfferDeadlineMissed, data: { requestId, deadline: 'soon', policyVersion: '1' } }], /data.deadline/],
    ['an event before the filing', [offerMade('o1')], /no PlacementRequested/],
    ['a second filing', [requested, requested], /already filed/],
    ['an event naming another request', [requested, { type: T.RequestWithdrawn, data: { requestId: 'someone-else', reason: 'x' } }], /names request someone-else/],
    ['the same offer made twice', [requested, offerMade('o1'), offerMade('o1')], /already made/],
    ['an answer to an offer never made', [requested, { type: T.OfferAccepted, data: { requestId, offerId: 'o9' } }], /never made/],
    [
      'a placement in another facility than the offer’s',
      [requested, offerMade('o1', 'f-1'), { type: T.ChildPlaced, data: { requestId, offerId: 'o1', facilityId: 'f-2', placedAt: '2025-03-03T12:00:00Z', distanceKm: 1, outsideHomeRegion: false } }],
      /not of facility f-2/,
    ],
    ['an ending without a placement', [requested, { type: T.PlacementEnded, data: { requestId, endedAt: '2025-03-04T12:00:00Z', reason: 'planned' } }], /never placed/],
  ])('refuses %s', (_name, events, reason) => {
    expect(refusal(...(events as { type: string; data: unknown }[]))).toMatch(reason);
  });

  it('accepts optional fields left out and a missed deadline judged after the placement (the watcher may judge late)', () => {
    const state = fold(
      requested,
      offerMade('o1'),
      { type: T.OfferAccepted, data: { requestId, offerId: 'o1' } },
      { type: T.ChildPlaced, data: { requestId, offerId: 'o1', facilityId: 'f-1', placedAt: '2025-03-03T12:00:00Z', distanceKm: 1, outsideHomeRegion: false } },
      { type: T.OfferDeadlineMissed, data: { requestId, deadline: '2025-03-03T10:00:00Z', policyVersion: '1' } },
    );
    expect(state).toMatchObject({ status: 'placed', deadlineJudged: true });
  });
});

describe('the late event comes first in its append', () => {
  it('makes OfferMade the first event and names its id (given as lateEventId) in the retraction', () => {
    const state = fold(requested, { type: T.OfferDeadlineMissed, data: { requestId, deadline: '2025-03-03T10:00:00.000Z', policyVersion: '1' } });
    const events = decidePlacementRequest(
      {
        type: 'MakeOffer',
        offerId: 'o1',
        facility: { facilityId: 'f-1', kind: 'institution', region: 'nord', targetGroups: ['behaviour'], location: { lat: 69.6, lon: 18.9 }, status: 'active', available: 1 },
        homeCentre: { lat: 69.6, lon: 18.9 },
        startDate: '2025-03-03',
        overbook: false,
        lateEventId: 'id-of-event-0',
      },
      state,
      { occurredAt: new Date('2025-03-03T09:30:00Z'), now: new Date('2025-03-03T14:00:00Z') },
    );
    expect(events.map((event) => event.type)).toEqual([T.OfferMade, T.OfferDeadlineMissRetracted]);
    expect(events[1].data).toMatchObject({ lateEventId: 'id-of-event-0' });
  });
});
