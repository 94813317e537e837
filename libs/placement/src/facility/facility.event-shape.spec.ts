import { UnfoldableEventError } from '../unfoldable-event';
import { evolveFacility, initialFacilityState, type FacilityState } from './facility.decider';
import { FacilityEventType as T, type FacilityEvent } from './facility.events';

const facilityId = 'f-1';
const registered = {
  type: T.FacilityRegistered,
  data: { facilityId, name: 'Bodø akutt', kind: 'institution', region: 'nord', municipality: '1804', location: { lat: 67.28, lon: 14.4 }, places: 3, targetGroups: ['acute'] },
};

function fold(...events: { type: string; data: unknown }[]): FacilityState {
  return events.reduce<FacilityState>((state, event, i) => evolveFacility(state, { ...(event as FacilityEvent), eventId: `e${i}`, occurredAt: new Date('2025-03-01T10:00:00Z') }), initialFacilityState);
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

describe('the facility fold refuses what the decider could never have written', () => {
  it('folds a well-formed history, keeping only the catalogue fields', () => {
    expect(fold({ ...registered, data: { ...registered.data, extra: 'x' } }, { type: T.FacilityCapacityChanged, data: { facilityId, places: 5, reason: 'x' } })).toEqual({
      exists: true,
      ...registered.data,
      places: 5,
      status: 'active',
      lastOccurredAt: new Date('2025-03-01T10:00:00Z'),
    });
  });

  it.each([
    ['an unknown type', [registered, { type: 'FacilityMoved', data: { facilityId } }], /not an event type/],
    ['places that are not a whole number', [registered, { type: T.FacilityCapacityChanged, data: { facilityId, places: 'many' } }], /data.places/],
    ['negative places', [registered, { type: T.FacilityCapacityChanged, data: { facilityId, places: -1 } }], /negative/],
    ['a location without coordinates', [{ ...registered, data: { ...registered.data, location: { lat: 67 } } }], /data.location/],
    ['an unknown kind', [{ ...registered, data: { ...registered.data, kind: 'castle' } }], /data.kind/],
    ['an event before the registration', [{ type: T.FacilitySuspended, data: { facilityId } }], /no FacilityRegistered/],
    ['a second registration', [registered, registered], /already registered/],
    ['an event naming another facility', [registered, { type: T.FacilityClosed, data: { facilityId: 'f-2' } }], /names facility f-2/],
  ])('refuses %s', (_name, events, reason) => {
    expect(refusal(...(events as { type: string; data: unknown }[]))).toMatch(reason);
  });
});
