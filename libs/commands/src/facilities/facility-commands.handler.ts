import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayManageFacility } from '@bistand/auth/scope';
import { ProblemException } from '@bistand/http/problem';
import { decideFacility, type FacilityCommand } from '@bistand/placement/facility/facility.decider';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import { ExclusiveLocks } from '../pipeline/exclusive-locks';
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

/** Names no region: the caller may not learn where a facility it may not manage lies. */
function forbidden(): ProblemException {
  return new ProblemException(403, 'SCOPE.FORBIDDEN', 'Forbidden', 'Only coordinators of the facility\'s region and admins may manage it');
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
    if (!mayManageFacility(metadata.actor, body.region)) throw forbidden();
    const id = body.id ?? (metadata.idempotencyKey ? deterministicUuid(`${metadata.actor.sub}\n${metadata.idempotencyKey}\nfacility`) : randomUUID());
    const { id: _, occurredAt: __, location, ...facility } = body;
    return this.runner.execute({
      id,
      streamId: facilityStream(id),
      model: facilityModel,
      metadata,
      // A client id already taken by a facility of a region the caller may not manage: 403, never
      // the 409 or the "same id again" 200 (PRODUCT.md §6).
      authorize: (state) => {
        if (state.exists && !mayManageFacility(metadata.actor, state.region)) throw forbidden();
      },
      createdBefore: (events) => events[0],
      decide: ({ state }) =>
        decideFacility({ type: 'RegisterFacility', facilityId: id, ...facility, location: { lat: location.lat, lon: location.lon } }, state, metadata),
    });
  }
}

/**
 * Capacity changes, suspensions and closings take the facility's lock like offers do, so an offer
 * decided under that lock sees the facility's places and status as they are when it appends.
 */
@CommandHandler(ChangeFacility)
export class ChangeFacilityHandler implements ICommandHandler<ChangeFacility> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly locks: ExclusiveLocks,
  ) {}

  execute({ facilityId, command, metadata }: ChangeFacility): Promise<CommandResult> {
    return this.locks.withLocks([{ kind: 'facility', facilityId }], () => this.change(facilityId, command, metadata));
  }

  private change(facilityId: string, command: ChangeFacility['command'], metadata: CommandMetadata): Promise<CommandResult> {
    return this.runner.execute({
      id: facilityId,
      streamId: facilityStream(facilityId),
      model: facilityModel,
      metadata,
      authorize: (state) => {
        if (state.exists && !mayManageFacility(metadata.actor, state.region)) throw forbidden();
      },
      decide: ({ state }) => decideFacility(command, state, metadata),
    });
  }
}
