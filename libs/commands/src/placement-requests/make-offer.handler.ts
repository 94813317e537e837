import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayCoordinate } from '@bistand/auth/scope';
import { ProblemException } from '@bistand/http/problem';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import { PlacementRequestEventType } from '@bistand/placement/placement-request/placement-request.events';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import { FacilityAvailability } from '../facilities/facility-availability';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { ExclusiveLocks, type LockKey } from '../pipeline/exclusive-locks';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import { deterministicUuid } from '@bistand/placement/deterministic-id';
import type { MakeOfferDto } from './placement-request.dto';
import { existingRequest, placementRequestModel, placementRequestStream, requireRequestInScope } from './placement-request.stream';

export class MakeOffer extends Command<CommandResult & { offerId: string }> {
  constructor(
    readonly requestId: string,
    readonly body: MakeOfferDto,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

/**
 * Offers a facility for a request. Capacity holds under concurrency (PRODUCT.md §5): the facility
 * is the consistency boundary. The whole command (load, authorise, catch the facility load up to
 * the store's head, decide, append) runs under the facility's lock and the offer id's lock, in
 * every process on the database, so the next offer for the facility counts this one and exactly as
 * many racing offers succeed as there were places. The lock lives in the read-model PostgreSQL, so
 * the same holds with KurrentDB as the event store. The offer id's lock makes "an offer id is
 * unique across all requests" exact too: under it, after the catch-up, the capacity read model
 * knows every offer id in use, so no request ever gets an OfferMade whose id another one holds.
 *
 * Only offers take places: accepting keeps the reservation, placing turns it into an occupied
 * place, and refusals, withdrawals and endings free places, so those commands need no lock.
 */
@CommandHandler(MakeOffer)
export class MakeOfferHandler implements ICommandHandler<MakeOffer> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly facilities: FacilityAvailability,
    private readonly locks: ExclusiveLocks,
  ) {}

  async execute({ requestId, body, metadata }: MakeOffer): Promise<CommandResult & { offerId: string }> {
    if (body.overbook && !body.reason) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: reason', {
        errors: [{ field: 'reason', message: 'reason is required when overbook is true' }],
      });
    }
    const offerId = body.offerId ?? (metadata.idempotencyKey ? deterministicUuid(`${metadata.actor.sub}\n${metadata.idempotencyKey}\noffer`) : randomUUID());
    const locks: LockKey[] = [
      { kind: 'facility', facilityId: body.facilityId },
      { kind: 'offerId', offerId },
    ];
    const result = await this.locks.withLocks(locks, () =>
      this.runner.execute({
        id: requestId,
        streamId: placementRequestStream(requestId),
        model: placementRequestModel,
        metadata,
        authorize: (state) => requireRequestInScope(state, metadata.actor, mayCoordinate),
        createdBefore: (events) => events.find((event) => event.type === PlacementRequestEventType.OfferMade && (event.data as { offerId?: string }).offerId === offerId),
        decide: async ({ state, eventId }) => {
          const request = existingRequest(state);
          const facility = await this.facilities.offerable(body.facilityId);
          if (await this.facilities.offerIdTakenElsewhere(offerId, requestId)) throw body.offerId ? offerIdTaken(offerId) : idempotencyKeyReusedElsewhere();
          const home = findMunicipality(request.municipality);
          if (!home) throw new Error(`Reference data lacks municipality ${request.municipality}`);
          return decidePlacementRequest(
            {
              type: 'MakeOffer',
              offerId,
              facility,
              homeCentre: home.centre,
              startDate: body.startDate,
              overbook: body.overbook ?? false,
              overbookReason: body.reason,
              // OfferMade is the first event of the append; a retraction it carries names it.
              lateEventId: eventId(0),
            },
            state,
            metadata,
          );
        },
      }),
    );
    return { ...result, offerId };
  }
}

function offerIdTaken(offerId: string): ProblemException {
  return new ProblemException(409, 'OFFER.ID_TAKEN', 'Conflict', `Offer id ${offerId} already belongs to another request; offer ids are unique across all requests`, {
    errors: [{ field: 'offerId', message: 'this offer id is already used by another request' }],
  });
}

/** The offer id derived from this Idempotency-Key was taken by the key's first use, on another request. */
function idempotencyKeyReusedElsewhere(): ProblemException {
  return new ProblemException(
    422,
    'IDEMPOTENCY.KEY_REUSED',
    'Unprocessable Content',
    'This Idempotency-Key was already used with another request body or target; use a new key for a new command',
  );
}
