import { DomainError } from '../domain-error';
import type { CommandContext, OfferedFacility, PlacementRequestCommand } from './placement-request.commands';
import { decidePlacementRequest } from './placement-request.decider';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type PlacementRequestState } from './placement-request.state';

const requestId = '5f0c4a7e-0000-4000-8000-000000000001';
const oslo = { lat: 59.91, lon: 10.75 };
const tromso = { lat: 69.65, lon: 18.96 };
const kristiansand = { lat: 58.15, lon: 7.99 };

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
    neededBy: '2025-03-03T12:00:00+01:00',
    legalBasis: 'bvl § 6-1',
    childHeard: true,
  },
};

function facility(overrides: Partial<OfferedFacility> = {}): OfferedFacility {
  return {
    facilityId: 'f-1',
    kind: 'institution',
    region: 'nord',
    targetGroups: ['behaviour'],
    location: tromso,
    status: 'active',
    available: 2,
    ...overrides,
  };
}

const offer = (offerId: string, overrides: Partial<OfferedFacility> = {}): PlacementRequestCommand => ({
  type: 'MakeOffer',
  offerId,
  facility: facility(overrides),
  homeCentre: tromso,
  startDate: '2025-03-03',
  overbook: false,
  lateEventId: `late-${offerId}`,
});

let clock = Date.parse('2025-03-03T08:00:00+01:00');
function at(iso?: string): CommandContext {
  const occurredAt = iso ? new Date(iso) : new Date((clock += 60_000));
  return { occurredAt, now: new Date('2025-03-04T00:00:00+01:00') };
}

/** given events (each a minute after the previous), when a command, then events or an error. */
function given(...events: PlacementRequestEvent[]): PlacementRequestState {
  clock = Date.parse('2025-03-03T08:00:00+01:00');
  return events.reduce(
    (state, event, index) => evolvePlacementRequest(state, { ...event, eventId: `e${index}`, occurredAt: new Date((clock += 60_000)) }),
    initialPlacementRequestState,
  );
}

function then(state: PlacementRequestState, command: PlacementRequestCommand, context = at()): PlacementRequestEvent[] {
  return decidePlacementRequest(command, state, context);
}

function rejection(state: PlacementRequestState, command: PlacementRequestCommand, context = at()): DomainError {
  try {
    decidePlacementRequest(command, state, context);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

function offerMade(offerId: string): PlacementRequestEvent {
  const [event] = decidePlacementRequest(offer(offerId), given(requested), at());
  return event;
}

describe('placement request decider', () => {
  it('files a request as PlacementRequested with the region derived by the caller', () => {
    const events = then(initialPlacementRequestState, { type: 'FileRequest', ...(requested.data as typeof requested.data) });
    expect(events).toEqual([requested]);
  });

  it('refuses to file the same request twice', () => {
    expect(rejection(given(requested), { type: 'FileRequest', ...(requested.data as typeof requested.data) }).code).toBe('REQUEST.ALREADY_EXISTS');
  });

  it('refuses commands on a request that does not exist', () => {
    expect(rejection(initialPlacementRequestState, { type: 'DeclareNoOffer', reason: 'x' }).code).toBe('REQUEST.NOT_FOUND');
  });

  describe('offers', () => {
    it('records the great-circle distance from the home municipality centre, rounded to 0.1 km', () => {
      const [event] = then(given(requested), { ...offer('o1', { location: kristiansand }) } as PlacementRequestCommand);
      expect(event.type).toBe(T.OfferMade);
      const distance = (event.data as { distanceKm: number }).distanceKm;
      expect(distance).toBe(1381.8); // Tromsø → Kristiansand, PRODUCT.md's "≈ 1,300 km" example
    });

    it('refuses an offer on a facility with no available place', () => {
      const error = rejection(given(requested), offer('o1', { available: 0 }));
      expect(error.code).toBe('FACILITY.FULL');
    });

    it('accepts an offer on a full facility when it overbooks, and marks it overbooked', () => {
      const command = { ...offer('o1', { available: 0 }), overbook: true, overbookReason: 'child cannot wait' } as PlacementRequestCommand;
      const [event] = then(given(requested), command);
      expect(event.data).toMatchObject({ overbooked: true, overbookReason: 'child cannot wait' });
    });

    it('refuses an offer on a suspended or closed facility, even overbooked', () => {
      const command = { ...offer('o1', { status: 'suspended' }), overbook: true, overbookReason: 'x' } as PlacementRequestCommand;
      expect(rejection(given(requested), command).code).toBe('FACILITY.NOT_ACCEPTING');
    });

    it('refuses the same offer id twice', () => {
      expect(rejection(given(requested, offerMade('o1')), offer('o1')).code).toBe('OFFER.ALREADY_EXISTS');
    });

    it('can still offer after NoOfferDeclared', () => {
      const state = given(requested, { type: T.NoOfferDeclared, data: { requestId, reason: 'no place' } });
      expect(then(state, offer('o1'))[0].type).toBe(T.OfferMade);
    });

    it('goes back to requested when every offer is refused or withdrawn', () => {
      const state = given(
        requested,
        offerMade('o1'),
        offerMade('o2'),
        { type: T.OfferRefused, data: { requestId, offerId: 'o1', reason: 'too_far' } },
        { type: T.OfferWithdrawn, data: { requestId, offerId: 'o2', reason: 'place taken' } },
      );
      expect(state.exists && state.status).toBe('requested');
    });

    it('stays offered while another offer is open', () => {
      const state = given(requested, offerMade('o1'), offerMade('o2'), { type: T.OfferRefused, data: { requestId, offerId: 'o1', reason: 'too_far' } });
      expect(state.exists && state.status).toBe('offered');
    });
  });

  describe('answers and placement', () => {
    it('accepts an open offer, superseding the other open ones', () => {
      const state = given(requested, offerMade('o1'), offerMade('o2'), { type: T.OfferAccepted, data: { requestId, offerId: 'o2' } });
      expect(state.exists && state.status).toBe('accepted');
      expect(state.exists && state.offers.map((o) => o.status)).toEqual(['superseded', 'accepted']);
    });

    it('refuses to accept a refused offer, naming the current status', () => {
      const state = given(requested, offerMade('o1'), offerMade('o2'), { type: T.OfferRefused, data: { requestId, offerId: 'o1', reason: 'other' } });
      const error = rejection(state, { type: 'AcceptOffer', offerId: 'o1' });
      expect(error.code).toBe('OFFER.WRONG_STATUS');
      expect(error.details).toMatchObject({ status: 'offered', offerStatus: 'refused' });
    });

    it('refuses to accept when nothing was offered, with status 409-worthy WRONG_STATUS', () => {
      const error = rejection(given(requested), { type: 'AcceptOffer', offerId: 'o1' });
      expect(error.code).toBe('REQUEST.WRONG_STATUS');
      expect(error.details).toMatchObject({ status: 'requested' });
    });

    it('places the child on the accepted offer, recording distance and whether it is outside the home region', () => {
      const state = given(requested, offerMade('o1'), { type: T.OfferAccepted, data: { requestId, offerId: 'o1' } });
      const [event] = then(state, {
        type: 'PlaceChild',
        offerId: 'o1',
        placedAt: '2025-03-03T11:00:00+01:00',
        facilityLocation: kristiansand,
        facilityRegion: 'sor',
        homeCentre: tromso,
      });
      expect(event).toMatchObject({ type: T.ChildPlaced, data: { offerId: 'o1', facilityId: 'f-1', outsideHomeRegion: true } });
    });

    it('refuses to place on an offer that was not accepted', () => {
      const state = given(requested, offerMade('o1'));
      const command: PlacementRequestCommand = { type: 'PlaceChild', offerId: 'o1', placedAt: '2025-03-03T11:00:00Z', facilityLocation: oslo, facilityRegion: 'nord', homeCentre: tromso };
      expect(rejection(state, command).details).toMatchObject({ status: 'offered' });
    });

    it('ends a placement, and only a placement', () => {
      const placedState = given(requested, offerMade('o1'), { type: T.OfferAccepted, data: { requestId, offerId: 'o1' } }, {
        type: T.ChildPlaced,
        data: { requestId, offerId: 'o1', facilityId: 'f-1', placedAt: '2025-03-03T11:00:00+01:00', distanceKm: 3, outsideHomeRegion: false },
      });
      expect(then(placedState, { type: 'EndPlacement', endedAt: '2025-06-01T10:00:00+02:00', reason: 'planned' })[0].type).toBe(T.PlacementEnded);
      expect(rejection(given(requested), { type: 'EndPlacement', endedAt: '2025-06-01T10:00:00+02:00', reason: 'planned' }).code).toBe('REQUEST.WRONG_STATUS');
    });
  });

  describe('withdrawal', () => {
    it('withdraws a request in any state before placement', () => {
      for (const state of [given(requested), given(requested, offerMade('o1')), given(requested, offerMade('o1'), { type: T.OfferAccepted, data: { requestId, offerId: 'o1' } })]) {
        expect(then(state, { type: 'WithdrawRequest', reason: 'moved', lateEventId: 'x' })[0].type).toBe(T.RequestWithdrawn);
      }
    });

    it('refuses to withdraw a placed request', () => {
      const placedState = given(requested, offerMade('o1'), { type: T.OfferAccepted, data: { requestId, offerId: 'o1' } }, {
        type: T.ChildPlaced,
        data: { requestId, offerId: 'o1', facilityId: 'f-1', placedAt: '2025-03-03T11:00:00+01:00', distanceKm: 3, outsideHomeRegion: false },
      });
      expect(rejection(placedState, { type: 'WithdrawRequest', reason: 'x', lateEventId: 'x' }).details).toMatchObject({ status: 'placed' });
    });
  });

  describe('business time', () => {
    it('refuses a command dated more than 2 minutes in the future', () => {
      const now = new Date('2025-03-03T10:00:00Z');
      const error = rejection(given(requested), { type: 'DeclareNoOffer', reason: 'x' }, { now, occurredAt: new Date('2025-03-03T10:02:01Z') });
      expect(error.code).toBe('TIME.IN_FUTURE');
    });

    it('accepts a command dated within 2 minutes of the server clock', () => {
      const now = new Date('2025-03-03T10:00:00Z');
      expect(() => then(given(requested), { type: 'DeclareNoOffer', reason: 'x' }, { now, occurredAt: new Date('2025-03-03T10:01:59Z') })).not.toThrow();
    });

    it('refuses a command dated before the previous event of the stream', () => {
      const error = rejection(given(requested, offerMade('o1')), { type: 'AcceptOffer', offerId: 'o1' }, { ...at(), occurredAt: new Date('2025-03-03T07:00:00+01:00') });
      expect(error.code).toBe('TIME.BEFORE_PREVIOUS_EVENT');
    });
  });

  describe('late registration', () => {
    const missed: PlacementRequestEvent = { type: T.OfferDeadlineMissed, data: { requestId, deadline: '2025-03-03T10:00:00+01:00', policyVersion: '2025-1' } };

    it('retracts a judged deadline miss in the same append as an offer dated before the deadline', () => {
      const events = then(given(requested, missed), offer('o1'), { occurredAt: new Date('2025-03-03T09:50:00+01:00'), now: new Date('2025-03-03T14:00:00+01:00') });
      expect(events.map((event) => event.type)).toEqual([T.OfferMade, T.OfferDeadlineMissRetracted]);
      expect(events[1].data).toMatchObject({ deadline: '2025-03-03T09:00:00.000Z', lateEventId: 'late-o1' });
    });

    it('does not retract for an offer dated after the deadline', () => {
      const events = then(given(requested, missed), offer('o1'), { occurredAt: new Date('2025-03-03T10:00:00+01:00'), now: new Date('2025-03-03T14:00:00+01:00') });
      expect(events.map((event) => event.type)).toEqual([T.OfferMade]);
    });
  });
});

describe('offer deadline judgement (the deadline watcher)', () => {
  const deadline = new Date('2025-03-03T10:00:00+01:00');
  const judge = (state: PlacementRequestState, now = '2025-03-03T10:00:03+01:00') =>
    decidePlacementRequest({ type: 'MarkOfferDeadlineMissed', deadline, policyVersion: '2025-1' }, state, { occurredAt: deadline, now: new Date(now) });
  const at = (iso: string) => (event: PlacementRequestEvent, eventId: string) => ({ ...event, eventId, occurredAt: new Date(iso) });
  const fold = (...events: ReturnType<ReturnType<typeof at>>[]) => events.reduce(evolvePlacementRequest, initialPlacementRequestState);
  const req = at('2025-03-03T08:00:00+01:00')(requested, 'e0');

  it('records OfferDeadlineMissed when an acute request has no offer by its deadline', () => {
    expect(judge(fold(req))).toEqual([{ type: T.OfferDeadlineMissed, data: { requestId, deadline: '2025-03-03T09:00:00.000Z', policyVersion: '2025-1' } }]);
  });

  it('records nothing before the deadline has passed', () => {
    expect(judge(fold(req), '2025-03-03T09:59:59+01:00')).toEqual([]);
  });

  it('records nothing when an offer was dated one minute before the deadline', () => {
    expect(judge(fold(req, at('2025-03-03T09:59:00+01:00')(offerMade('o1'), 'e1')))).toEqual([]);
  });

  it('still records the miss when the only offer came after the deadline', () => {
    expect(judge(fold(req, at('2025-03-03T10:30:00+01:00')(offerMade('o1'), 'e1')))).toHaveLength(1);
  });

  it('records nothing for a request withdrawn before the deadline', () => {
    const withdrawn = at('2025-03-03T09:00:00+01:00')({ type: T.RequestWithdrawn, data: { requestId, reason: 'x' } }, 'e1');
    expect(judge(fold(req, withdrawn))).toEqual([]);
  });

  it('records the miss only once, also after it was retracted', () => {
    const missed = at('2025-03-03T10:00:00+01:00')({ type: T.OfferDeadlineMissed, data: { requestId, deadline: deadline.toISOString(), policyVersion: '2025-1' } }, 'e1');
    const retracted = at('2025-03-03T14:00:00+01:00')({ type: T.OfferDeadlineMissRetracted, data: { requestId, deadline: deadline.toISOString(), lateEventId: 'x' } }, 'e2');
    expect(judge(fold(req, missed))).toEqual([]);
    expect(judge(fold(req, missed, retracted))).toEqual([]);
  });
});

describe('late registration after a judged deadline', () => {
  it('accepts an offer dated before the system’s deadline judgement (business time ignores system events)', () => {
    const state = [
      { ...requested, eventId: 'e0', occurredAt: new Date('2025-03-03T08:00:00+01:00') },
      { type: T.OfferDeadlineMissed, data: { requestId, deadline: '2025-03-03T09:00:00.000Z', policyVersion: '2025-1' }, eventId: 'e1', occurredAt: new Date('2025-03-03T10:00:00+01:00') },
    ].reduce((s, e) => evolvePlacementRequest(s, e as never), initialPlacementRequestState);
    const events = decidePlacementRequest(offer('o1'), state, { occurredAt: new Date('2025-03-03T09:50:00+01:00'), now: new Date('2025-03-03T14:00:00+01:00') });
    expect(events.map((e) => e.type)).toEqual([T.OfferMade, T.OfferDeadlineMissRetracted]);
  });
});
