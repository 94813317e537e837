import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { mayReadRequest } from '@bistand/auth/scope';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ProblemException } from '@bistand/http/problem';
import { BreachRegister } from '@bistand/projections/breaches/breach-register';
import { facilityMunicipalitiesOf } from '@bistand/projections/requests/request-view';
import { commandMetadata } from '../http/command-context';
import { answer, type CommandAnswer } from '../http/command-response';
import { uuidParam } from '../http/uuid-param';
import { loadStream } from '../pipeline/stream-loader';
import { DecideOnRequest } from './decide-on-request.handler';
import { FilePlacementRequest } from './file-placement-request.handler';
import { MakeOffer } from './make-offer.handler';
import { PlaceChild } from './place-child.handler';
import {
  AnswerOfferDto,
  EndPlacementDto,
  FilePlacementRequestDto,
  MakeOfferDto,
  PlaceChildDto,
  ReasonDto,
  RefuseOfferDto,
} from './placement-request.dto';
import { eventView, placementRequestView } from './placement-request.view';
import { placementRequestModel, placementRequestStream } from './placement-request.stream';
import type { OpenPlacementRequest, PlacementRequestState } from '@bistand/placement/placement-request/placement-request.state';

const COMMAND_HEADERS = [
  { name: 'Idempotency-Key', required: false, description: 'A retry with the same key and body returns the first answer and appends nothing' },
  { name: 'If-Match', required: false, description: 'The revision (ETag) the command was decided on: 412 when the request has moved on' },
];

function commandHeaders() {
  return (target: object, key: string, descriptor: PropertyDescriptor) => {
    for (const header of COMMAND_HEADERS) ApiHeader(header)(target, key, descriptor);
  };
}

@ApiTags('placement requests')
@ApiBearerAuth()
@Controller('v1/placement-requests')
export class PlacementRequestsController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly breaches: BreachRegister,
  ) {}

  @Post()
  @ApiOperation({ summary: 'File a placement request (municipality)' })
  @commandHeaders()
  async file(@Body() body: FilePlacementRequestDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    return answer(res, await this.commands.execute(new FilePlacementRequest(body, commandMetadata(req, actor, 'file', body, body.occurredAt))), { creation: true });
  }

  @Post(':id/offers')
  @ApiOperation({ summary: 'Offer a facility (coordinator of the home region); answers the offerId too' })
  @commandHeaders()
  async offer(
    @Param('id', uuidParam('id')) id: string,
    @Body() body: MakeOfferDto,
    @CurrentActor() actor: Actor,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandAnswer & { offerId: string }> {
    const result = await this.commands.execute(new MakeOffer(id, body, commandMetadata(req, actor, `offer ${id}`, body, body.occurredAt)));
    return { ...answer(res, result, { creation: true }), offerId: result.offerId };
  }

  @Post(':id/offers/:offerId/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'Accept an offer (municipality)' })
  @commandHeaders()
  async accept(@Param('id', uuidParam('id')) id: string, @Param('offerId', uuidParam('offerId')) offerId: string, @Body() body: AnswerOfferDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `accept ${id} ${offerId}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new DecideOnRequest(id, { type: 'AcceptOffer', offerId }, metadata)));
  }

  @Post(':id/offers/:offerId/refuse')
  @HttpCode(200)
  @ApiOperation({ summary: 'Refuse an offer with a reason (municipality)' })
  @commandHeaders()
  async refuse(@Param('id', uuidParam('id')) id: string, @Param('offerId', uuidParam('offerId')) offerId: string, @Body() body: RefuseOfferDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `refuse ${id} ${offerId}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new DecideOnRequest(id, { type: 'RefuseOffer', offerId, reason: body.reason, comment: body.comment }, metadata)));
  }

  @Post(':id/offers/:offerId/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw an offer (coordinator)' })
  @commandHeaders()
  async withdrawOffer(@Param('id', uuidParam('id')) id: string, @Param('offerId', uuidParam('offerId')) offerId: string, @Body() body: ReasonDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `withdraw-offer ${id} ${offerId}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new DecideOnRequest(id, { type: 'WithdrawOffer', offerId, reason: body.reason }, metadata)));
  }

  @Post(':id/no-offer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Declare that no offer can be made (coordinator)' })
  @commandHeaders()
  async noOffer(@Param('id', uuidParam('id')) id: string, @Body() body: ReasonDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `no-offer ${id}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new DecideOnRequest(id, { type: 'DeclareNoOffer', reason: body.reason }, metadata)));
  }

  @Post(':id/placement')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that the child moved in (coordinator)' })
  @commandHeaders()
  async place(@Param('id', uuidParam('id')) id: string, @Body() body: PlaceChildDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    return answer(res, await this.commands.execute(new PlaceChild(id, body, commandMetadata(req, actor, `place ${id}`, body, body.placedAt))));
  }

  @Post(':id/placement/end')
  @HttpCode(200)
  @ApiOperation({ summary: 'End a placement (coordinator or municipality)' })
  @commandHeaders()
  async endPlacement(@Param('id', uuidParam('id')) id: string, @Body() body: EndPlacementDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `end ${id}`, body, body.endedAt);
    return answer(res, await this.commands.execute(new DecideOnRequest(id, { type: 'EndPlacement', endedAt: body.endedAt, reason: body.reason }, metadata)));
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw the request before placement (municipality)' })
  @commandHeaders()
  async withdraw(@Param('id', uuidParam('id')) id: string, @Body() body: ReasonDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `withdraw ${id}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new DecideOnRequest(id, { type: 'WithdrawRequest', reason: body.reason }, metadata)));
  }

  @Get(':id')
  @ApiOperation({ summary: 'A request: state, offers, placement, breaches' })
  async get(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const { state, events, revision } = await this.readable(id, actor);
    res.setHeader('ETag', `"${revision}"`);
    const facilityMunicipalities = await facilityMunicipalitiesOf(this.breaches.pool, [state]);
    return { ...placementRequestView(state, events, facilityMunicipalities), breaches: await this.breaches.ofRequest(id) };
  }

  @Get(':id/events')
  @ApiOperation({ summary: "The request's events with metadata, oldest first" })
  async events(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor) {
    const { events } = await this.readable(id, actor);
    return { items: events.map(eventView), nextCursor: null };
  }

  /**
   * Out of scope reads are 404, exactly like missing ones: existence is not leaked. A stream that
   * cannot be folded is 503 STREAM.UNREADABLE, after the same scope check on its readable prefix.
   */
  private async readable(id: string, actor: Actor) {
    const requireReadable = (state: PlacementRequestState): OpenPlacementRequest => {
      if (!state.exists || !mayReadRequest(actor, state)) throw new ProblemException(404, 'REQUEST.NOT_FOUND', 'Not Found', `No placement request ${id}`);
      return state;
    };
    const loaded = await loadStream(this.store, placementRequestStream(id), placementRequestModel, requireReadable);
    return { ...loaded, state: requireReadable(loaded.state) };
  }
}
