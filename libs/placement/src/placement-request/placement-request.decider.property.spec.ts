import fc from 'fast-check';
import { DomainError } from '../domain-error';
import type { FacilityKind, TargetGroup, Urgency } from '../shared';
import type { CommandContext, PlacementRequestCommand } from './placement-request.commands';
import { decidePlacementRequest } from './placement-request.decider';
import { PlacementRequestEventType as T, type PlacementRequestEvent } from './placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type PlacementRequestState, type Recorded } from './placement-request.state';

/**
 * Property-based test of the placement request decider (PRODUCT.md §2, §3, §4): random command
 * sequences go through decide + evolve exactly as the write side does (every event of one decision is
 * one append, stamped with that decision's business time), and the resulting stream must keep the
 * lifecycle's invariants whatever the sequence. Rejections must be DomainErrors with a stable code.
 */

const REQUEST_ID = '5f0c4a7e-0000-4000-8000-00000000fc01';
const TROMSO = { lat: 69.65, lon: 18.956 };
const KRISTIANSAND = { lat: 58.146, lon: 7.996 };
const START = Date.parse('2025-03-03T07:00:00Z');
const MINUTE = 60_000;
/** The server's clock for every command: far after anything generated, so only explicit jumps are "in the future". */
const NOW = START + 60 * 24 * 60 * MINUTE;
const OFFER_IDS = ['o1', 'o2', 'o3'] as const;
const DOMAIN_ERROR_CODES = new Set([
  'REQUEST.NOT_FOUND',
  'REQUEST.ALREADY_EXISTS',
  'REQUEST.WRONG_STATUS',
  'OFFER.NOT_FOUND',
  'OFFER.ALREADY_EXISTS',
  'OFFER.WRONG_STATUS',
  'FACILITY.NOT_FOUND',
  'FACILITY.FULL',
  'FACILITY.NOT_ACCEPTING',
  'FACILITY.CLOSED',
  'FACILITY.WRONG_STATUS',
  'TIME.IN_FUTURE',
  'TIME.BEFORE_PREVIOUS_EVENT',
]);
const OPEN_STATUSES = ['requested', 'offered', 'no_offer'];
const SYSTEM_EVENTS: string[] = [T.OfferDeadlineMissed, T.OfferDeadlineMissRetracted];

/** The deadlines the generated watcher judges, in minutes after the request. */
const DEADLINE_MINUTES = [60, 120, 240, 14 * 24 * 60];

/**
 * When a person's command happened: relative to the newest business time so far, exactly at the
 * deadline judged missed (else at one the watcher may judge: the boundary, an offer at the deadline
 * is not "before" it), or beyond the 2 minutes the server tolerates.
 */
type Timing = { kind: 'after'; minutes: number } | { kind: 'before'; minutes: number } | { kind: 'atDeadline'; deadlineMinutes: number } | { kind: 'future' };

type Step =
  | { kind: 'file'; urgency: Urgency; placementKind: FacilityKind; targetGroup: TargetGroup; timing: Timing }
  | { kind: 'offer'; offer: number; available: number; overbook: boolean; facilityStatus: 'active' | 'suspended' | 'closed'; far: boolean; timing: Timing }
  | { kind: 'accept'; offer: number; timing: Timing }
  | { kind: 'refuse'; offer: number; reason: 'not_matching_needs' | 'too_far' | 'child_situation_changed' | 'other'; timing: Timing }
  | { kind: 'withdrawOffer'; offer: number; timing: Timing }
  | { kind: 'noOffer'; timing: Timing }
  | { kind: 'place'; offer: number; timing: Timing }
  | { kind: 'withdraw'; timing: Timing }
  | { kind: 'end'; timing: Timing }
  /** The deadline watcher: a deadline some minutes after the request, judged at some moment. */
  | { kind: 'judge'; deadlineMinutes: number; judgedMinutesAfterDeadline: number };

const timing: fc.Arbitrary<Timing> = fc.oneof(
  { weight: 16, arbitrary: fc.integer({ min: 0, max: 240 }).map((minutes): Timing => ({ kind: 'after', minutes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 120 }).map((minutes): Timing => ({ kind: 'before', minutes })) },
  { weight: 2, arbitrary: fc.constantFrom(...DEADLINE_MINUTES).map((deadlineMinutes): Timing => ({ kind: 'atDeadline', deadlineMinutes })) },
  { weight: 1, arbitrary: fc.constant<Timing>({ kind: 'future' }) },
);
/** Mostly the first offer, so that offer → accept → place → end paths are common. */
const offerIndex = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: OFFER_IDS.length - 1 }) });

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('file' as const), urgency: fc.constantFrom<Urgency>('acute', 'planned'), placementKind: fc.constantFrom<FacilityKind>('institution', 'foster_home'), targetGroup: fc.constantFrom<TargetGroup>('behaviour', 'care'), timing }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('offer' as const),
      offer: offerIndex,
      available: fc.integer({ min: 0, max: 3 }),
      overbook: fc.boolean(),
      facilityStatus: fc.constantFrom<'active' | 'suspended' | 'closed'>('active', 'active', 'active', 'active', 'active', 'active', 'suspended', 'closed'),
      far: fc.boolean(),
      timing,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('accept' as const), offer: offerIndex, timing }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refuse' as const), offer: offerIndex, reason: fc.constantFrom('not_matching_needs' as const, 'too_far' as const, 'child_situation_changed' as const, 'other' as const), timing }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdrawOffer' as const), offer: offerIndex, timing }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('noOffer' as const), timing }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('place' as const), offer: offerIndex, timing }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), timing }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('end' as const), timing }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('judge' as const),
      deadlineMinutes: fc.constantFrom(...DEADLINE_MINUTES),
      judgedMinutesAfterDeadline: fc.integer({ min: -30, max: 600 }),
    }),
  },
);

/** A history: the request filed first (mostly), then random steps. */
const history = fc.tuple(
  fc.record({ kind: fc.constant('file' as const), urgency: fc.constantFrom<Urgency>('acute', 'planned'), placementKind: fc.constantFrom<FacilityKind>('institution', 'foster_home'), targetGroup: fc.constantFrom<TargetGroup>('behaviour', 'care'), timing: fc.constant<Timing>({ kind: 'after', minutes: 0 }) }),
  fc.array(step, { minLength: 1, maxLength: 40 }),
);

interface Append {
  events: Recorded<PlacementRequestEvent>[];
  stateBefore: PlacementRequestState;
  byPeople: boolean;
  occurredAt: number;
}

interface Outcome {
  appends: Append[];
  accepted: Map<string, number>;
  rejectedCodes: Set<string>;
}

/** Runs the steps through decide + evolve as the write side does; rejected commands change nothing. */
function run(steps: Step[]): Outcome {
  let state: PlacementRequestState = initialPlacementRequestState;
  let clock = START;
  let eventCounter = 0;
  const appends: Append[] = [];
  const accepted = new Map<string, number>();
  const rejectedCodes = new Set<string>();

  for (const s of steps) {
    let command: PlacementRequestCommand;
    let context: CommandContext;
    if (s.kind === 'judge') {
      const requestedAt = state.exists ? state.requestedAt.getTime() : START;
      const deadline = new Date(requestedAt + s.deadlineMinutes * MINUTE);
      command = { type: 'MarkOfferDeadlineMissed', deadline, policyVersion: 'test-1' };
      context = { occurredAt: deadline, now: new Date(deadline.getTime() + s.judgedMinutesAfterDeadline * MINUTE) };
    } else {
      const requestedAt = state.exists ? state.requestedAt.getTime() : START;
      const occurredAt =
        s.timing.kind === 'future'
          ? NOW + 3 * MINUTE
          : s.timing.kind === 'before'
            ? clock - s.timing.minutes * MINUTE
            : s.timing.kind === 'atDeadline'
              ? (state.exists && state.missedDeadline ? state.missedDeadline.deadline.getTime() : requestedAt + s.timing.deadlineMinutes * MINUTE)
              : clock + s.timing.minutes * MINUTE;
      context = { occurredAt: new Date(occurredAt), now: new Date(NOW) };
      command = toCommand(s, new Date(occurredAt), eventCounter);
    }

    let events: PlacementRequestEvent[];
    try {
      events = decidePlacementRequest(command, state, context);
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      const code = (error as DomainError).code;
      if (!DOMAIN_ERROR_CODES.has(code)) throw new Error(`rejection with an unknown code ${String(code)}`);
      rejectedCodes.add(code);
      continue;
    }
    if (events.length === 0) continue;
    const recorded = events.map((event) => ({ ...event, eventId: `e${++eventCounter}`, occurredAt: context.occurredAt }) as Recorded<PlacementRequestEvent>);
    appends.push({ events: recorded, stateBefore: state, byPeople: s.kind !== 'judge', occurredAt: context.occurredAt.getTime() });
    state = recorded.reduce(evolvePlacementRequest, state);
    if (s.kind !== 'judge') clock = Math.max(clock, context.occurredAt.getTime());
    for (const event of recorded) accepted.set(event.type, (accepted.get(event.type) ?? 0) + 1);
  }
  return { appends, accepted, rejectedCodes };
}

function toCommand(s: Exclude<Step, { kind: 'judge' }>, occurredAt: Date, counter: number): PlacementRequestCommand {
  const lateEventId = `late-${counter}`;
  switch (s.kind) {
    case 'file':
      return {
        type: 'FileRequest',
        requestId: REQUEST_ID,
        municipality: '5501',
        region: 'nord',
        childRef: 'child-1',
        birthYear: 2012,
        urgency: s.urgency,
        placementKind: s.placementKind,
        targetGroup: s.targetGroup,
        neededBy: '2025-03-20T12:00:00+01:00',
        legalBasis: 'bvl § 6-1',
        childHeard: true,
      };
    case 'offer':
      return {
        type: 'MakeOffer',
        offerId: OFFER_IDS[s.offer],
        facility: {
          facilityId: `f-${s.offer}`,
          kind: 'institution',
          region: s.far ? 'sor' : 'nord',
          targetGroups: ['behaviour'],
          location: s.far ? KRISTIANSAND : TROMSO,
          status: s.facilityStatus,
          available: s.available,
        },
        homeCentre: TROMSO,
        startDate: '2025-03-10',
        overbook: s.overbook,
        ...(s.overbook ? { overbookReason: 'the child cannot wait' } : {}),
        lateEventId,
      };
    case 'accept':
      return { type: 'AcceptOffer', offerId: OFFER_IDS[s.offer] };
    case 'refuse':
      return { type: 'RefuseOffer', offerId: OFFER_IDS[s.offer], reason: s.reason };
    case 'withdrawOffer':
      return { type: 'WithdrawOffer', offerId: OFFER_IDS[s.offer], reason: 'the place was taken', lateEventId };
    case 'noOffer':
      return { type: 'DeclareNoOffer', reason: 'no free place' };
    case 'place':
      return { type: 'PlaceChild', offerId: OFFER_IDS[s.offer], placedAt: occurredAt.toISOString(), facilityLocation: TROMSO, facilityRegion: 'nord', homeCentre: TROMSO };
    case 'withdraw':
      return { type: 'WithdrawRequest', reason: 'the family found a solution', lateEventId };
    case 'end':
      return { type: 'EndPlacement', endedAt: occurredAt.toISOString(), reason: 'planned' };
    default: {
      const unknown: never = s;
      return unknown;
    }
  }
}

const statusBefore = (append: Append) => (append.stateBefore.exists ? append.stateBefore.status : 'none');
const allEvents = (outcome: Outcome) => outcome.appends.flatMap((append) => append.events);

/** The properties, each checked over many random histories (seeded by fast-check; the seed is printed on failure). */
const RUNS = { numRuns: 200 };

describe('placement request decider, over random command sequences', () => {
  it('rejects only with a DomainError carrying a known, stable code (never a plain Error)', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        run([file, ...steps]); // run() asserts every rejection
      }),
      RUNS,
    );
  });

  it('appends nothing by people after a terminal state: ended and withdrawn take nothing, placed only its end', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        for (const append of run([file, ...steps]).appends.filter((a) => a.byPeople)) {
          const before = statusBefore(append);
          if (before === 'ended' || before === 'withdrawn') throw new Error(`${append.events[0].type} appended on a ${before} request`);
          if (before === 'placed') expect(append.events.map((e) => e.type)).toEqual([T.PlacementEnded]);
        }
      }),
      RUNS,
    );
  });

  it('lets the system judge a deadline after a terminal state only when no offer and no withdrawal predate it', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        for (const append of run([file, ...steps]).appends.filter((a) => !a.byPeople)) {
          const before = append.stateBefore;
          if (!before.exists) throw new Error('a deadline judged on a request that does not exist');
          expect(append.events.map((e) => e.type)).toEqual([T.OfferDeadlineMissed]);
          const deadline = append.occurredAt;
          expect(before.offers.filter((offer) => offer.occurredAt.getTime() < deadline)).toEqual([]);
          if (before.withdrawnAt) expect(before.withdrawnAt.getTime()).toBeGreaterThanOrEqual(deadline);
        }
      }),
      RUNS,
    );
  });

  it('records at most one ChildPlaced, and it places the one accepted offer', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        const outcome = run([file, ...steps]);
        expect(outcome.accepted.get(T.ChildPlaced) ?? 0).toBeLessThanOrEqual(1);
        for (const append of outcome.appends) {
          for (const event of append.events) {
            if (event.type !== T.ChildPlaced) continue;
            const before = append.stateBefore;
            expect(before.exists && before.offers.find((offer) => offer.offerId === event.data.offerId)?.status).toBe('accepted');
          }
        }
      }),
      RUNS,
    );
  });

  it('makes offers only on open requests (requested, offered, no_offer), never twice with one offer id', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        const outcome = run([file, ...steps]);
        for (const append of outcome.appends) {
          if (!append.events.some((e) => e.type === T.OfferMade)) continue;
          expect(OPEN_STATUSES).toContain(statusBefore(append));
        }
        const offerIds = allEvents(outcome).flatMap((e) => (e.type === T.OfferMade ? [e.data.offerId] : []));
        expect(new Set(offerIds).size).toBe(offerIds.length);
      }),
      RUNS,
    );
  });

  it('accepts, refuses and places only offers in the right state: an accepted offer was open', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        for (const append of run([file, ...steps]).appends) {
          const before = append.stateBefore;
          for (const event of append.events) {
            if (event.type !== T.OfferAccepted && event.type !== T.OfferRefused) continue;
            expect(before.exists && before.offers.find((offer) => offer.offerId === event.data.offerId)?.status).toBe('open');
          }
        }
      }),
      RUNS,
    );
  });

  it('keeps business time monotone: no fact by people is dated before the previous one of the stream', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        let previous = -Infinity;
        for (const append of run([file, ...steps]).appends) {
          for (const event of append.events) expect(event.occurredAt.getTime()).toBe(append.occurredAt);
          if (!append.byPeople) continue;
          expect(append.occurredAt).toBeGreaterThanOrEqual(previous);
          expect(append.occurredAt).toBeLessThanOrEqual(NOW + 2 * MINUTE);
          previous = append.occurredAt;
        }
      }),
      RUNS,
    );
  });

  it('judges the offer deadline missed at most once, dated at the deadline, never before it has passed', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        const misses = run([file, ...steps]).appends.filter((a) => a.events.some((e) => e.type === T.OfferDeadlineMissed));
        expect(misses.length).toBeLessThanOrEqual(1);
        for (const append of misses) {
          const event = append.events[0];
          if (event.type !== T.OfferDeadlineMissed) throw new Error('the miss is not alone in its append');
          expect(Date.parse(event.data.deadline)).toBe(append.occurredAt);
        }
      }),
      RUNS,
    );
  });

  it('retracts a miss only in the same append as an offer or withdrawal dated before that deadline, and always then', () => {
    fc.assert(
      fc.property(history, ([file, steps]) => {
        for (const append of run([file, ...steps]).appends) {
          const before = append.stateBefore;
          const live = before.exists ? before.missedDeadline : null;
          const lateFacts = append.events.filter((e) => e.type === T.OfferMade || e.type === T.OfferWithdrawn || e.type === T.RequestWithdrawn);
          const retractions = append.events.filter((e) => e.type === T.OfferDeadlineMissRetracted);
          const dueRetraction = live !== null && lateFacts.length > 0 && append.occurredAt < live.deadline.getTime();
          expect(retractions.length).toBe(dueRetraction ? 1 : 0);
          for (const retraction of retractions) {
            if (retraction.type !== T.OfferDeadlineMissRetracted || !live) throw new Error('a retraction without a live miss before it');
            expect(Date.parse(retraction.data.deadline)).toBe(live.deadline.getTime());
            expect(SYSTEM_EVENTS).not.toContain(append.events[0].type);
            expect(append.events[append.events.length - 1]).toBe(retraction);
          }
        }
      }),
      RUNS,
    );
  });

  it('follows the lifecycle of PRODUCT.md §3 for every accepted event', () => {
    const next: Partial<Record<string, string>> = {
      [T.PlacementRequested]: 'requested',
      [T.OfferMade]: 'offered',
      [T.OfferAccepted]: 'accepted',
      [T.NoOfferDeclared]: 'no_offer',
      [T.ChildPlaced]: 'placed',
      [T.RequestWithdrawn]: 'withdrawn',
      [T.PlacementEnded]: 'ended',
    };
    fc.assert(
      fc.property(history, ([file, steps]) => {
        let state: PlacementRequestState = initialPlacementRequestState;
        for (const append of run([file, ...steps]).appends) {
          for (const event of append.events) {
            const before = state.exists ? state.status : 'none';
            state = evolvePlacementRequest(state, event);
            const after = state.exists ? state.status : 'none';
            const expected = next[event.type];
            if (expected) expect(after).toBe(expected);
            if (event.type === T.OfferRefused || event.type === T.OfferWithdrawn) {
              // back to requested only when no offer is left open or accepted
              const live = state.exists ? state.offers.filter((o) => o.status === 'open' || o.status === 'accepted') : [];
              expect(after).toBe(live.some((o) => o.status === 'accepted') ? 'accepted' : live.length > 0 ? 'offered' : 'requested');
            }
            if (SYSTEM_EVENTS.includes(event.type)) expect(after).toBe(before);
          }
        }
      }),
      RUNS,
    );
  });

  it('is not vacuous: over many histories every event type is appended and every rejection path is taken', () => {
    const seen = new Map<string, number>();
    const codes = new Set<string>();
    fc.assert(
      fc.property(history, ([file, steps]) => {
        const outcome = run([file, ...steps]);
        for (const [type, count] of outcome.accepted) seen.set(type, (seen.get(type) ?? 0) + count);
        for (const code of outcome.rejectedCodes) codes.add(code);
      }),
      { numRuns: 1500, seed: 8 },
    );
    const generated = [T.PlacementRequested, T.OfferMade, T.OfferAccepted, T.OfferRefused, T.OfferWithdrawn, T.NoOfferDeclared, T.OfferDeadlineMissed, T.OfferDeadlineMissRetracted, T.ChildPlaced, T.RequestWithdrawn, T.PlacementEnded];
    expect([...seen.keys()].sort()).toEqual(generated.sort());
    for (const code of ['REQUEST.ALREADY_EXISTS', 'REQUEST.WRONG_STATUS', 'OFFER.NOT_FOUND', 'OFFER.ALREADY_EXISTS', 'OFFER.WRONG_STATUS', 'FACILITY.FULL', 'FACILITY.NOT_ACCEPTING', 'TIME.IN_FUTURE', 'TIME.BEFORE_PREVIOUS_EVENT']) {
      expect(codes).toContain(code);
    }
  });
});
