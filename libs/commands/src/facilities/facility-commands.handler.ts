import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayManageFacility } from '@bistand/auth/scope';
import { ProblemException } from '@bistand/http/problem';
import { decideFacility, type FacilityCommand } from '@bistand/placement/facility/facility.decider';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import { deterministicUuid } from '@bistand/placement/deterministic-id';
import type { RegisterFacilityDto } from './facility.dto';
import { facilityModel, facilityStream } from './facility.stream';

export class RegisterFacility extends Command<CommandResult> {
  constructor(
    readonly body: RegisterFacilityDto,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

/** Changes to an existing facility: capacity, suspend, resume, close. */
export class ChangeFacility extends Command<CommandResult> {
  constructor(
    readonly facilityId: string,
    readonly command: Exclude<FacilityCommand, { type: 'RegisterFacility' }>,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

function forbidden(region: string): ProblemException {
  return new ProblemException(403, 'SCOPE.FORBIDDEN', 'Forbidden', `Only coordinators of region ${region} and admins may manage its facilities`);
}

@CommandHandler(RegisterFacility)
export class RegisterFacilityHandler implements ICommandHandler<RegisterFacility> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ body, metadata }: RegisterFacility): Promise<CommandResult> {
    if (!findMunicipality(body.municipality)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: municipality', {
        errors: [{ field: 'municipality', message: `municipality ${body.municipality} is not a municipality of the 2024 numbering` }],
      });
    }
    if (!mayManageFacility(metadata.actor, body.region)) throw forbidden(body.region);
    const id = body.id ?? (metadata.idempotencyKey ? deterministicUuid(`${metadata.actor.sub}\n${metadata.idempotencyKey}\nfacility`) : randomUUID());
    const { id: _, occurredAt: __, location, ...facility } = body;
    return this.runner.execute({
      id,
      streamId: facilityStream(id),
      model: facilityModel,
      metadata,
      createdBefore: (events) => events[0],
      decide: ({ state }) =>
        decideFacility({ type: 'RegisterFacility', facilityId: id, ...facility, location: { lat: location.lat, lon: location.lon } }, state, metadata),
    });
  }
}

@CommandHandler(ChangeFacility)
export class ChangeFacilityHandler implements ICommandHandler<ChangeFacility> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ facilityId, command, metadata }: ChangeFacility): Promise<CommandResult> {
    return this.runner.execute({
      id: facilityId,
      streamId: facilityStream(facilityId),
      model: facilityModel,
      metadata,
      decide: ({ state }) => {
        if (state.exists && !mayManageFacility(metadata.actor, state.region)) throw forbidden(state.region);
        return decideFacility(command, state, metadata);
      },
    });
  }
}
