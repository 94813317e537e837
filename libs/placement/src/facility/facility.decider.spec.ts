import { DomainError } from '../domain-error';
import { decideFacility, evolveFacility, initialFacilityState, type FacilityCommand, type FacilityState } from './facility.decider';
import { FacilityEventType as T, type FacilityEvent } from './facility.events';

const facilityId = 'f-1';
const registered: FacilityEvent = {
  type: T.FacilityRegistered,
  data: { facilityId, name: 'Bodø akutt', kind: 'institution', region: 'nord', municipality: '1804', location: { lat: 67.28, lon: 14.4 }, places: 3, targetGroups: ['acute'] },
};
const context = { occurredAt: new Date('2025-03-03T10:00:00Z'), now: new Date('2025-03-03T10:00:00Z') };

function given(...events: FacilityEvent[]): FacilityState {
  return events.reduce((state, event, i) => evolveFacility(state, { ...event, eventId: `e${i}`, occurredAt: new Date('2025-03-01T10:00:00Z') }), initialFacilityState);
}

function rejection(state: FacilityState, command: FacilityCommand): string {
  try {
    decideFacility(command, state, context);
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('facility decider', () => {
  it('registers a facility once', () => {
    const { type: _, ...data } = { type: 'RegisterFacility' as const, ...registered.data };
    expect(decideFacility({ type: 'RegisterFacility', ...data }, initialFacilityState, context)).toEqual([registered]);
    expect(rejection(given(registered), { type: 'RegisterFacility', ...data })).toBe('FACILITY.ALREADY_EXISTS');
  });

  it('changes capacity with a reason', () => {
    expect(decideFacility({ type: 'ChangeCapacity', places: 5, reason: 'new wing' }, given(registered), context)).toEqual([
      { type: T.FacilityCapacityChanged, data: { facilityId, places: 5, reason: 'new wing' } },
    ]);
  });

  it('suspends only an active facility and resumes only a suspended one', () => {
    const suspended = given(registered, { type: T.FacilitySuspended, data: { facilityId } });
    expect(rejection(suspended, { type: 'SuspendFacility' })).toBe('FACILITY.WRONG_STATUS');
    expect(rejection(given(registered), { type: 'ResumeFacility' })).toBe('FACILITY.WRONG_STATUS');
    expect(decideFacility({ type: 'ResumeFacility' }, suspended, context)[0].type).toBe(T.FacilityResumed);
  });

  it('refuses every change after closing', () => {
    const closed = given(registered, { type: T.FacilityClosed, data: { facilityId } });
    for (const command of [{ type: 'ChangeCapacity', places: 1, reason: 'x' }, { type: 'SuspendFacility' }, { type: 'CloseFacility' }] as FacilityCommand[]) {
      expect(rejection(closed, command)).toBe('FACILITY.CLOSED');
    }
  });

  it('refuses changes to a facility that does not exist', () => {
    expect(rejection(initialFacilityState, { type: 'CloseFacility' })).toBe('FACILITY.NOT_FOUND');
  });
});
