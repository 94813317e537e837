import { checkBusinessTime } from '../business-time';
import { DomainError } from '../domain-error';
import type { FacilityKind, GeoPoint, TargetGroup } from '../shared';
import { FacilityEventType as T, type FacilityEvent, type FacilityRegistered } from './facility.events';
import type { CommandContext } from '../placement-request/placement-request.commands';
import type { Recorded } from '../placement-request/placement-request.state';
import { UnfoldableEventError } from '../unfoldable-event';
import { requireFacilityEventShape } from './facility.event-shape';

export type FacilityStatus = 'active' | 'suspended' | 'closed';

export type FacilityState =
  | { exists: false }
  | {
      exists: true;
      facilityId: string;
      name: string;
      kind: FacilityKind;
      region: string;
      municipality: string;
      location: GeoPoint;
      places: number;
      targetGroups: TargetGroup[];
      status: FacilityStatus;
      lastOccurredAt: Date;
    };

export const initialFacilityState: FacilityState = { exists: false };

export type FacilityCommand =
  | ({ type: 'RegisterFacility' } & FacilityRegistered['data'])
  | { type: 'ChangeCapacity'; places: number; reason: string }
  | { type: 'SuspendFacility'; reason?: string }
  | { type: 'ResumeFacility'; reason?: string }
  | { type: 'CloseFacility'; reason?: string };

/**
 * Folds one event into the facility's state. Strict like the request's fold (PRODUCT.md §9): an
 * unknown type, a malformed payload, a second registration, an event before the registration or
 * one naming another facility throws UnfoldableEventError.
 */
export function evolveFacility(state: FacilityState, event: Recorded<FacilityEvent>): FacilityState {
  requireFacilityEventShape(event);
  if (event.type === T.FacilityRegistered) {
    if (state.exists) throw new UnfoldableEventError(event.type, `facility ${state.facilityId} was already registered`);
    const { facilityId, name, kind, region, municipality, location, places, targetGroups } = event.data;
    return { exists: true, facilityId, name, kind, region, municipality, location: { lat: location.lat, lon: location.lon }, places, targetGroups, status: 'active', lastOccurredAt: event.occurredAt };
  }
  if (!state.exists) throw new UnfoldableEventError(event.type, 'the stream has no FacilityRegistered before it');
  if (event.data.facilityId !== state.facilityId) throw new UnfoldableEventError(event.type, `it names facility ${event.data.facilityId}, not ${state.facilityId}`);
  const next = { ...state, lastOccurredAt: event.occurredAt > state.lastOccurredAt ? event.occurredAt : state.lastOccurredAt };
  switch (event.type) {
    case T.FacilityCapacityChanged:
      return { ...next, places: event.data.places };
    case T.FacilitySuspended:
      return { ...next, status: 'suspended' };
    case T.FacilityResumed:
      return { ...next, status: 'active' };
    case T.FacilityClosed:
      return { ...next, status: 'closed' };
    default: {
      const unknown: never = event;
      throw new UnfoldableEventError((unknown as { type: string }).type, 'not an event type of a facility stream');
    }
  }
}

/** The facility's rules: registration once, no changes after closing, suspend/resume in turn. */
export function decideFacility(command: FacilityCommand, state: FacilityState, context: CommandContext): FacilityEvent[] {
  if (command.type === 'RegisterFacility') {
    if (state.exists) throw new DomainError('FACILITY.ALREADY_EXISTS', `Facility ${command.facilityId} already exists`, { status: state.status });
    checkBusinessTime(context.occurredAt, context.now, undefined);
    const { type: _, ...data } = command;
    return [{ type: T.FacilityRegistered, data }];
  }
  if (!state.exists) throw new DomainError('FACILITY.NOT_FOUND', 'Facility not found');
  checkBusinessTime(context.occurredAt, context.now, state.lastOccurredAt);
  if (state.status === 'closed') throw new DomainError('FACILITY.CLOSED', `Facility ${state.facilityId} is closed`, { status: state.status });
  const facilityId = state.facilityId;
  switch (command.type) {
    case 'ChangeCapacity':
      return [{ type: T.FacilityCapacityChanged, data: { facilityId, places: command.places, reason: command.reason } }];
    case 'SuspendFacility':
      requireFacilityStatus(state.status, 'active');
      return [{ type: T.FacilitySuspended, data: { facilityId, ...(command.reason ? { reason: command.reason } : {}) } }];
    case 'ResumeFacility':
      requireFacilityStatus(state.status, 'suspended');
      return [{ type: T.FacilityResumed, data: { facilityId, ...(command.reason ? { reason: command.reason } : {}) } }];
    case 'CloseFacility':
      return [{ type: T.FacilityClosed, data: { facilityId, ...(command.reason ? { reason: command.reason } : {}) } }];
    default: {
      const unknown: never = command;
      throw new Error(`Unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

function requireFacilityStatus(status: FacilityStatus, needed: FacilityStatus): void {
  if (status !== needed) {
    throw new DomainError('FACILITY.WRONG_STATUS', `The facility is ${status}; this needs it to be ${needed}`, { status, allowed: [needed] });
  }
}
