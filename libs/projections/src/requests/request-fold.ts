import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { policyInForce } from '@bistand/placement/breach-policy';
import { breachId, findBreaches } from '@bistand/placement/breach-rules';
import { offerDeadline } from '@bistand/placement/offer-deadline';
import { PLACEMENT_REQUEST_STREAM_PREFIX, PlacementRequestEventType as T, type PlacementRequestEvent } from '@bistand/placement/placement-request/placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type OpenPlacementRequest, type PlacementRequestState, type Recorded } from '@bistand/placement/placement-request/placement-request.state';
import type { BreachRow } from '../breaches/breach-register';
import { metadataInstant, ownId, requiredId, UnappliableEventError } from '../parked/unappliable-event';

/** A breach as found, before the register's retraction marks. */
export type FoundBreach = Omit<BreachRow, 'retracted' | 'retracted_at'>;

/** A request as the projection keeps it: its folded state, its offer deadline and the policy it is judged under. */
export interface RequestEntry {
  state: OpenPlacementRequest;
  deadline: Date;
  policy: string;
  recordedAt: Date;
}

/** What the register is told while events are folded. */
export interface RegisterChanges {
  breach(row: FoundBreach): void;
  retraction(id: string, at: Date): void;
}

/**
 * Folds request events into the known requests (changing `known` in place) and tells the register
 * what breaches they record: the same steps for a live batch and for a rebuild. An event that
 * cannot be applied consistently (its request id is not its stream's, it names an offer the
 * request never made) throws `UnappliableEventError` before anything changes, so the projector
 * parks it instead of writing a wrong row or breach.
 */
export class RequestFold {
  /** The requests this fold changed, each with the position of the last event that did. */
  readonly changed = new Map<string, bigint>();

  constructor(
    readonly known: Map<string, RequestEntry>,
    private readonly register: RegisterChanges,
  ) {}

  apply(recorded: RecordedEvent): void {
    // A known request's id was checked when it was filed (or read from a uuid column).
    const requestId = ownId(recorded, 'requestId', PLACEMENT_REQUEST_STREAM_PREFIX, this.known);
    const { occurredAt, recordedAt } = eventTimes(recorded);
    // One object for the fold and the breach rules (what they read of it is the catalogue event).
    const event = { type: recorded.type, data: recorded.data, eventId: recorded.eventId, occurredAt } as Recorded<PlacementRequestEvent>;
    const before = this.known.get(requestId);
    if (before) checkOffer(recorded, before.state);
    // Everything that can fail on a malformed event is worked out before `known` or the register change.
    const state: PlacementRequestState = evolvePlacementRequest(before?.state ?? initialPlacementRequestState, event);
    if (!state.exists) return;
    let created: RequestEntry | undefined;
    if (event.type === T.PlacementRequested) {
      const policy = policyInForce(recordedAt);
      const deadline = offerDeadline({ urgency: state.urgency, requestedAt: state.requestedAt, neededBy: state.neededBy }, policy);
      created = { state, deadline, policy: policy.version, recordedAt };
    } else if (!before) {
      return;
    }
    const findings = event.type === T.OfferDeadlineMissRetracted ? [] : findBreaches(state, event, occurredAt, policyInForce(recordedAt));
    if (created) this.known.set(requestId, created);
    else before!.state = state; // the entries are this fold's own
    this.changed.set(requestId, recorded.position);
    if (event.type === T.OfferDeadlineMissRetracted) {
      this.register.retraction(breachId(requestId, 'NO_OFFER_BEFORE_DEADLINE', null), recordedAt);
      return;
    }
    for (const finding of findings) {
      this.register.breach({
        id: breachId(requestId, finding.type, finding.offerId),
        request_id: requestId,
        type: finding.type,
        occurred_at: finding.occurredAt,
        recorded_at: recordedAt,
        region: state.region,
        municipality: state.municipality,
        urgency: state.urgency,
        placement_kind: state.placementKind,
        offer_id: finding.offerId,
        policy_version: finding.policyVersion,
        position: recorded.position.toString(),
      });
    }
  }
}

/**
 * An offer event must name an offer of its own request (and a new offer a new id): otherwise the
 * request's offers, and the breaches judged from them, would no longer be what its events say.
 */
function checkOffer(recorded: RecordedEvent, state: OpenPlacementRequest): void {
  switch (recorded.type) {
    case T.OfferMade: {
      const offerId = requiredId(recorded, 'offerId');
      requiredId(recorded, 'facilityId');
      if (namesOffer(state, offerId)) throw new UnappliableEventError(recorded, `request ${state.requestId} already made offer ${offerId}`);
      return;
    }
    case T.OfferAccepted:
    case T.OfferRefused:
    case T.OfferWithdrawn:
    case T.ChildPlaced: {
      const offerId = requiredId(recorded, 'offerId');
      if (!namesOffer(state, offerId)) throw new UnappliableEventError(recorded, `request ${state.requestId} made no offer ${offerId}`);
      return;
    }
  }
}

function namesOffer(state: OpenPlacementRequest, offerId: string): boolean {
  for (const offer of state.offers) if (offer.offerId === offerId) return true;
  return false;
}

/** When the event happened (business time) and when it was recorded; one Date when they are the same instant, as they mostly are. */
function eventTimes(recorded: RecordedEvent): { occurredAt: Date; recordedAt: Date } {
  const { occurredAt, recordedAt } = recorded.metadata;
  const recordedInstant = metadataInstant(recorded, recordedAt, recorded.recordedAt);
  if (typeof occurredAt !== 'string') return { occurredAt: recorded.recordedAt, recordedAt: recordedInstant };
  return { occurredAt: occurredAt === recordedAt ? recordedInstant : metadataInstant(recorded, occurredAt, recorded.recordedAt), recordedAt: recordedInstant };
}
