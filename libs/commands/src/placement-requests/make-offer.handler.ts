import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayCoordinate } from '@bistand/auth/scope';
import { ProblemException } from '@bistand/http/problem';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import { PlacementRequestEventType } from '@bistand/placement/placement-request/placement-request.events';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import { FacilityAvailability } from '../facilities/facility-availability';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import { deterministicUuid } from '@bistand/placement/deterministic-id';
import type { MakeOfferDto } from './placement-request.dto';
import { placementRequestModel, placementRequestStream, requireRequestInScope } from './placement-request.stream';

export class MakeOffer extends Command<CommandResult & { offerId: string }> {
  constructor(
    readonly requestId: string,
    readonly body: MakeOfferDto,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(MakeOffer)
export class MakeOfferHandler implements ICommandHandler<MakeOffer> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly facilities: FacilityAvailability,
  ) {}

  async execute({ requestId, body, metadata }: MakeOffer): Promise<CommandResult & { offerId: string }> {
    if (body.overbook && !body.reason) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: reason', {
        errors: [{ field: 'reason', message: 'reason is required when overbook is true' }],
      });
    }
    const offerId = body.offerId ?? (metadata.idempotencyKey ? deterministicUuid(`${metadata.actor.sub}\n${metadata.idempotencyKey}\noffer`) : randomUUID());
    const result = await this.runner.execute({
      id: requestId,
      streamId: placementRequestStream(requestId),
      model: placementRequestModel,
      metadata,
      createdBefore: (events) => events.find((event) => event.type === PlacementRequestEventType.OfferMade && (event.data as { offerId?: string }).offerId === offerId),
      decide: async ({ state }) => {
        const request = requireRequestInScope(state, metadata.actor, mayCoordinate);
        const facility = await this.facilities.offered(body.facilityId);
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
            lateEventId: deterministicUuid(`late\n${requestId}\n${offerId}`),
          },
          state,
          metadata,
        );
      },
    });
    return { ...result, offerId };
  }
}
