import { DEFAULT_BREACH_POLICY } from './breach-policy';
import { findBreaches, type RequestFacts } from './breach-rules';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request/placement-request.events';

const requestId = 'r-1';
const acute: RequestFacts = { requestId, urgency: 'acute', placementKind: 'foster_home', targetGroup: 'care', neededBy: '2025-03-03T12:00:00+01:00' };
const planned: RequestFacts = { ...acute, urgency: 'planned', neededBy: '2025-03-05' };
const at = new Date('2025-03-03T09:30:00+01:00');

function offer(kind: 'institution' | 'foster_home', groups: ('care' | 'behaviour')[]): PlacementRequestEvent {
  return {
    type: T.OfferMade,
    data: { requestId, offerId: 'o-1', facilityId: 'f-1', facilityKind: kind, facilityTargetGroups: groups, facilityRegion: 'nord', distanceKm: 40, startDate: '2025-03-03', overbooked: false },
  };
}

function placed(distanceKm: number, placedAt: string): PlacementRequestEvent {
  return { type: T.ChildPlaced, data: { requestId, offerId: 'o-1', facilityId: 'f-1', placedAt, distanceKm, outsideHomeRegion: false } };
}

describe('breach rules', () => {
  it('records nothing for a matching offer, 40 km away, placed before neededBy', () => {
    expect(findBreaches(acute, offer('foster_home', ['care']), at)).toEqual([]);
    expect(findBreaches(acute, placed(40, '2025-03-03T11:00:00+01:00'), at)).toEqual([]);
  });

  it('records OFFER_NOT_MATCHING_NEEDS for an offer of another kind', () => {
    expect(findBreaches(acute, offer('institution', ['care']), at)).toEqual([
      { type: 'OFFER_NOT_MATCHING_NEEDS', offerId: 'o-1', occurredAt: at, policyVersion: DEFAULT_BREACH_POLICY.version },
    ]);
  });

  it('records OFFER_NOT_MATCHING_NEEDS for a facility whose target groups lack the request’s', () => {
    expect(findBreaches(acute, offer('foster_home', ['behaviour']), at).map((b) => b.type)).toEqual(['OFFER_NOT_MATCHING_NEEDS']);
  });

  it('records OFFER_NOT_MATCHING_NEEDS for a refusal as not_matching_needs, and nothing for other reasons', () => {
    const refusal = (reason: 'not_matching_needs' | 'too_far'): PlacementRequestEvent => ({ type: T.OfferRefused, data: { requestId, offerId: 'o-1', reason } });
    expect(findBreaches(acute, refusal('not_matching_needs'), at).map((b) => [b.type, b.offerId])).toEqual([['OFFER_NOT_MATCHING_NEEDS', 'o-1']]);
    expect(findBreaches(acute, refusal('too_far'), at)).toEqual([]);
  });

  it('records PLACED_FAR_FROM_HOME above 150 km, not at 149 km', () => {
    expect(findBreaches(acute, placed(150.1, '2025-03-03T11:00:00+01:00'), at).map((b) => b.type)).toEqual(['PLACED_FAR_FROM_HOME']);
    expect(findBreaches(acute, placed(149, '2025-03-03T11:00:00+01:00'), at)).toEqual([]);
  });

  it('records PLACED_AFTER_NEEDED_BY for an acute placement one minute late (no grace)', () => {
    expect(findBreaches(acute, placed(10, '2025-03-03T12:01:00+01:00'), at).map((b) => b.type)).toEqual(['PLACED_AFTER_NEEDED_BY']);
  });

  it('gives planned placements 24 hours of grace after neededBy (a bare date: the end of that day)', () => {
    expect(findBreaches(planned, placed(10, '2025-03-06T23:59:00+01:00'), at)).toEqual([]);
    expect(findBreaches(planned, placed(10, '2025-03-07T00:01:00+01:00'), at).map((b) => b.type)).toEqual(['PLACED_AFTER_NEEDED_BY']);
  });

  it('records NO_OFFER_DECLARED at the declaration', () => {
    expect(findBreaches(acute, { type: T.NoOfferDeclared, data: { requestId, reason: 'none' } }, at)).toEqual([
      { type: 'NO_OFFER_DECLARED', offerId: null, occurredAt: at, policyVersion: DEFAULT_BREACH_POLICY.version },
    ]);
  });

  it('records NO_OFFER_BEFORE_DEADLINE at the deadline, under the version it was judged with', () => {
    const missed: PlacementRequestEvent = { type: T.OfferDeadlineMissed, data: { requestId, deadline: '2025-03-03T09:00:00.000Z', policyVersion: '2024-9' } };
    expect(findBreaches(acute, missed, new Date('2025-03-03T09:00:03Z'))).toEqual([
      { type: 'NO_OFFER_BEFORE_DEADLINE', offerId: null, occurredAt: new Date('2025-03-03T09:00:00Z'), policyVersion: '2024-9' },
    ]);
  });
});
