import { placementRequestStream, type PlacementRequestEvent } from '@bistand/placement/placement-request/placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type OpenPlacementRequest, type PlacementRequestState } from '@bistand/placement/placement-request/placement-request.state';
import { DomainError } from '@bistand/placement/domain-error';
import type { Actor } from '@bistand/auth/actor';
import { ProblemException } from '@bistand/http/problem';
import type { StreamModel } from '../pipeline/stream-loader';

export const placementRequestModel: StreamModel<PlacementRequestState, PlacementRequestEvent> = {
  initialState: initialPlacementRequestState,
  evolve: evolvePlacementRequest,
  streamOf: (state) => (state.exists ? placementRequestStream(state.requestId) : undefined),
};

export { placementRequestStream };

/**
 * The request must exist (404), and the caller may only act on it when `allowed` says so (403):
 * the runner's `authorize` step, run before any precondition (PRODUCT.md §6).
 */
export function requireRequestInScope(state: PlacementRequestState, actor: Actor, allowed: (actor: Actor, request: OpenPlacementRequest) => boolean): OpenPlacementRequest {
  if (!state.exists) throw new DomainError('REQUEST.NOT_FOUND', 'Placement request not found');
  if (!allowed(actor, state)) {
    throw new ProblemException(403, 'SCOPE.FORBIDDEN', 'Forbidden', `Your role (${actor.role}) and scope do not allow this command on this request`);
  }
  return state;
}

/** The state a decision sees once `authorize` has let it through: the request exists. */
export function existingRequest(state: PlacementRequestState): OpenPlacementRequest {
  if (!state.exists) throw new DomainError('REQUEST.NOT_FOUND', 'Placement request not found');
  return state;
}
