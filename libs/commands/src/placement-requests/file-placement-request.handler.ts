import { randomUUID } from 'node:crypto';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { mayActAsMunicipality } from '@bistand/auth/scope';
import { ProblemException } from '@bistand/http/problem';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import { deterministicUuid } from '@bistand/placement/deterministic-id';
import type { FilePlacementRequestDto } from './placement-request.dto';
import { placementRequestModel, placementRequestStream, requireRequestInScope } from './placement-request.stream';

export class FilePlacementRequest extends Command<CommandResult> {
  constructor(
    readonly body: FilePlacementRequestDto,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(FilePlacementRequest)
export class FilePlacementRequestHandler implements ICommandHandler<FilePlacementRequest> {
  constructor(private readonly runner: CommandRunner) {}

  async execute({ body, metadata }: FilePlacementRequest): Promise<CommandResult> {
    const home = findMunicipality(body.municipality);
    if (!home) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: municipality', {
        errors: [{ field: 'municipality', message: `municipality ${body.municipality} is not a municipality of the 2024 numbering` }],
      });
    }
    if (!mayActAsMunicipality(metadata.actor, home.number)) {
      throw new ProblemException(403, 'SCOPE.FORBIDDEN', 'Forbidden', `Only a municipality user for ${home.number} may file requests for it`);
    }
    const id = body.id ?? (metadata.idempotencyKey ? deterministicUuid(`${metadata.actor.sub}\n${metadata.idempotencyKey}\nrequest`) : randomUUID());
    const { id: _, occurredAt: __, ...request } = body;
    return this.runner.execute({
      id,
      streamId: placementRequestStream(id),
      model: placementRequestModel,
      metadata,
      // A client id already taken by a request the caller may not act on is that request's
      // business: 403, never the 409 or the "same id again" 200 (PRODUCT.md §6).
      authorize: (state) => {
        if (state.exists) requireRequestInScope(state, metadata.actor, (actor, existing) => mayActAsMunicipality(actor, existing.municipality));
      },
      createdBefore: (events) => events[0],
      decide: ({ state }) =>
        decidePlacementRequest({ type: 'FileRequest', requestId: id, ...request, municipality: home.number, region: home.region }, state, metadata),
    });
  }
}
