import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayCoordinate } from '@bistand/auth/scope';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import { FacilityAvailability } from '../facilities/facility-availability';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import type { PlaceChildDto } from './placement-request.dto';
import { existingRequest, placementRequestModel, placementRequestStream, requireRequestInScope } from './placement-request.stream';

export class PlaceChild extends Command<CommandResult> {
  constructor(
    readonly requestId: string,
    readonly body: PlaceChildDto,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(PlaceChild)
export class PlaceChildHandler implements ICommandHandler<PlaceChild> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly facilities: FacilityAvailability,
  ) {}

  execute({ requestId, body, metadata }: PlaceChild): Promise<CommandResult> {
    return this.runner.execute({
      id: requestId,
      streamId: placementRequestStream(requestId),
      model: placementRequestModel,
      metadata,
      authorize: (state) => requireRequestInScope(state, metadata.actor, mayCoordinate),
      decide: async ({ state }) => {
        const request = existingRequest(state);
        const offer = request.offers.find((candidate) => candidate.offerId === body.offerId);
        const facility = offer ? await this.facilities.facility(offer.facilityId) : undefined;
        const home = findMunicipality(request.municipality);
        if (!home) throw new Error(`Reference data lacks municipality ${request.municipality}`);
        return decidePlacementRequest(
          {
            type: 'PlaceChild',
            offerId: body.offerId,
            placedAt: body.placedAt,
            facilityLocation: facility?.location ?? home.centre,
            facilityRegion: facility?.region ?? request.region,
            homeCentre: home.centre,
          },
          state,
          metadata,
        );
      },
    });
  }
}
