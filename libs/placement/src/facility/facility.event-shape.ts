import { FACILITY_KINDS } from '../shared';
import { requireShape, shape, UnfoldableEventError, type Shape } from '../unfoldable-event';
import { FacilityEventType as T, type FacilityEvent } from './facility.events';

/** What every stored facility event must carry for the fold (and the capacity figures) to use it. */
const SHAPES: Readonly<Record<FacilityEvent['type'], Shape>> = {
  [T.FacilityRegistered]: shape({
    facilityId: 'string',
    name: 'string',
    kind: FACILITY_KINDS,
    region: 'string',
    municipality: 'string',
    location: 'point',
    places: 'integer',
    targetGroups: 'string[]',
  }),
  [T.FacilityCapacityChanged]: shape({ facilityId: 'string', places: 'integer' }),
  [T.FacilitySuspended]: shape({ facilityId: 'string', reason: 'string?' }),
  [T.FacilityResumed]: shape({ facilityId: 'string', reason: 'string?' }),
  [T.FacilityClosed]: shape({ facilityId: 'string', reason: 'string?' }),
};

/** Throws UnfoldableEventError unless `event` is a well-formed facility event of a known type. */
export function requireFacilityEventShape(event: { type: string; data: unknown }): asserts event is FacilityEvent {
  const shape = Object.hasOwn(SHAPES, event.type) ? SHAPES[event.type as FacilityEvent['type']] : undefined;
  if (!shape) throw new UnfoldableEventError(event.type, 'not an event type of a facility stream');
  requireShape(event.type, event.data, shape);
  const places = (event.data as { places?: number }).places;
  if (places !== undefined && places < 0) throw new UnfoldableEventError(event.type, 'data.places is negative');
}
