import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Actor } from '@bistand/auth/actor';
import { mayActAsMunicipality, mayCoordinate, mayEndPlacement } from '@bistand/auth/scope';
import type { PlacementRequestCommand } from '@bistand/placement/placement-request/placement-request.commands';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import type { OpenPlacementRequest } from '@bistand/placement/placement-request/placement-request.state';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { CommandRunner, type CommandResult } from '../pipeline/command-runner';
import { placementRequestModel, placementRequestStream, requireRequestInScope } from './placement-request.stream';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Commands on an existing request that need no other stream to decide. `lateEventId` is not the
 * caller's to choose: it is the id the withdrawal itself gets in the append (PRODUCT.md §3).
 */
export type SimpleRequestCommand = DistributiveOmit<
  Extract<PlacementRequestCommand, { type: 'AcceptOffer' | 'RefuseOffer' | 'WithdrawRequest' | 'WithdrawOffer' | 'DeclareNoOffer' | 'EndPlacement' }>,
  'lateEventId'
>;

/** Who may send each of them (PRODUCT.md §6): the home municipality, or the home region's coordinators. */
const MAY_SEND: Record<SimpleRequestCommand['type'], (actor: Actor, request: OpenPlacementRequest) => boolean> = {
  AcceptOffer: (actor, request) => mayActAsMunicipality(actor, request.municipality),
  RefuseOffer: (actor, request) => mayActAsMunicipality(actor, request.municipality),
  WithdrawRequest: (actor, request) => mayActAsMunicipality(actor, request.municipality),
  WithdrawOffer: mayCoordinate,
  DeclareNoOffer: mayCoordinate,
  EndPlacement: mayEndPlacement,
};

export class DecideOnRequest extends Command<CommandResult> {
  constructor(
    readonly requestId: string,
    readonly command: SimpleRequestCommand,
    readonly metadata: CommandMetadata,
  ) {
    super();
  }
}

@CommandHandler(DecideOnRequest)
export class DecideOnRequestHandler implements ICommandHandler<DecideOnRequest> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ requestId, command, metadata }: DecideOnRequest): Promise<CommandResult> {
    return this.runner.execute({
      id: requestId,
      streamId: placementRequestStream(requestId),
      model: placementRequestModel,
      metadata,
      authorize: (state) => requireRequestInScope(state, metadata.actor, MAY_SEND[command.type]),
      // The withdrawal is the first event of its append; a retraction it carries names it.
      decide: ({ state, eventId }) => decidePlacementRequest(withLateEventId(command, eventId(0)), state, metadata),
    });
  }
}

function withLateEventId(command: SimpleRequestCommand, lateEventId: string): PlacementRequestCommand {
  return command.type === 'WithdrawOffer' || command.type === 'WithdrawRequest' ? { ...command, lateEventId } : command;
}
