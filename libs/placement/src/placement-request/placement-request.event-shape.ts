import { FACILITY_KINDS, TARGET_GROUPS, URGENCIES } from '../shared';
import { requireShape, shape, UnfoldableEventError, type Shape } from '../unfoldable-event';
import { PLACEMENT_END_REASONS, PlacementRequestEventType as T, REFUSAL_REASONS, type PlacementRequestEvent } from './placement-request.events';

/**
 * What every stored placement request event must carry for the fold to apply it: the fields the
 * state, the breach rules and the projections read. Optional fields (`comment`, `overbookReason`)
 * are left out. A handful of property checks per event: the rebuild folds 200k events through this.
 */
const SHAPES: Readonly<Record<PlacementRequestEvent['type'], Shape>> = {
  [T.PlacementRequested]: shape({
    requestId: 'string',
    municipality: 'string',
    region: 'string',
    childRef: 'string',
    birthYear: 'integer',
    urgency: URGENCIES,
    placementKind: FACILITY_KINDS,
    targetGroup: TARGET_GROUPS,
    neededBy: 'date',
    legalBasis: 'string',
    childHeard: 'boolean',
  }),
  [T.OfferMade]: shape({
    requestId: 'string',
    offerId: 'string',
    facilityId: 'string',
    facilityKind: FACILITY_KINDS,
    facilityTargetGroups: 'string[]',
    facilityRegion: 'string',
    distanceKm: 'number',
    startDate: 'date',
    overbooked: 'boolean',
  }),
  [T.OfferAccepted]: shape({ requestId: 'string', offerId: 'string' }),
  [T.OfferRefused]: shape({ requestId: 'string', offerId: 'string', reason: REFUSAL_REASONS }),
  [T.OfferWithdrawn]: shape({ requestId: 'string', offerId: 'string', reason: 'string?' }),
  [T.NoOfferDeclared]: shape({ requestId: 'string', reason: 'string?' }),
  [T.OfferDeadlineMissed]: shape({ requestId: 'string', deadline: 'date', policyVersion: 'string' }),
  [T.OfferDeadlineMissRetracted]: shape({ requestId: 'string', deadline: 'date', lateEventId: 'string' }),
  [T.ChildPlaced]: shape({ requestId: 'string', offerId: 'string', facilityId: 'string', placedAt: 'date', distanceKm: 'number', outsideHomeRegion: 'boolean' }),
  [T.RequestWithdrawn]: shape({ requestId: 'string', reason: 'string?' }),
  [T.PlacementEnded]: shape({ requestId: 'string', endedAt: 'date', reason: PLACEMENT_END_REASONS }),
};

/**
 * Throws UnfoldableEventError unless `event` is a placement request event of a known type whose
 * data has every field its type needs, with the right kind of value.
 */
export function requirePlacementRequestEventShape(event: { type: string; data: unknown }): asserts event is PlacementRequestEvent {
  const shape = Object.hasOwn(SHAPES, event.type) ? SHAPES[event.type as PlacementRequestEvent['type']] : undefined;
  if (!shape) throw new UnfoldableEventError(event.type, 'not an event type of a placement request stream');
  requireShape(event.type, event.data, shape);
}
