import type { OpenPlacementRequest, PlacementRequestState } from '@bistand/placement/placement-request/placement-request.state';

/** The folded request state as stored in `rm_requests.state`: dates as ISO strings, revived on read. */
export function stateToJson(state: OpenPlacementRequest): unknown {
  return state;
}

export function stateFromJson(json: unknown): PlacementRequestState {
  const raw = json as OpenPlacementRequest & Record<string, unknown>;
  const date = (value: unknown) => new Date(value as string);
  return {
    ...raw,
    requestedAt: date(raw.requestedAt),
    lastOccurredAt: date(raw.lastOccurredAt),
    withdrawnAt: raw.withdrawnAt ? date(raw.withdrawnAt) : null,
    missedDeadline: raw.missedDeadline ? { ...raw.missedDeadline, deadline: date(raw.missedDeadline.deadline) } : null,
    offers: raw.offers.map((offer) => ({ ...offer, occurredAt: date(offer.occurredAt) })),
  };
}
