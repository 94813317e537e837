import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { maySeeFacilityIdentity } from '@bistand/auth/scope';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { ProblemException } from '@bistand/http/problem';
import { commandMetadata } from '../http/command-context';
import { answer, type CommandAnswer } from '../http/command-response';
import { uuidParam } from '../http/uuid-param';
import { loadStream } from '../pipeline/stream-loader';
import { FacilityAvailability } from './facility-availability';
import { ChangeCapacityDto, FacilityStatusDto, RegisterFacilityDto } from './facility.dto';
import { ChangeFacility, RegisterFacility } from './facility-commands.handler';
import { facilityModel, facilityStream } from './facility.stream';

@ApiTags('facilities')
@ApiBearerAuth()
@Controller('v1/facilities')
export class FacilitiesController {
  constructor(
    private readonly commands: CommandBus,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly availability: FacilityAvailability,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a facility (coordinator of its region, or admin)' })
  async register(@Body() body: RegisterFacilityDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    return answer(res, await this.commands.execute(new RegisterFacility(body, commandMetadata(req, actor, 'register-facility', body, body.occurredAt))), { creation: true });
  }

  @Post(':id/capacity')
  @HttpCode(200)
  @ApiOperation({ summary: 'Change the number of places' })
  async capacity(@Param('id', uuidParam('id')) id: string, @Body() body: ChangeCapacityDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `capacity ${id}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new ChangeFacility(id, { type: 'ChangeCapacity', places: body.places, reason: body.reason }, metadata)));
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend the facility: no offers while suspended' })
  async suspend(@Param('id', uuidParam('id')) id: string, @Body() body: FacilityStatusDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `suspend ${id}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new ChangeFacility(id, { type: 'SuspendFacility', reason: body.reason }, metadata)));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a suspended facility' })
  async resume(@Param('id', uuidParam('id')) id: string, @Body() body: FacilityStatusDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `resume ${id}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new ChangeFacility(id, { type: 'ResumeFacility', reason: body.reason }, metadata)));
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close the facility for good' })
  async close(@Param('id', uuidParam('id')) id: string, @Body() body: FacilityStatusDto, @CurrentActor() actor: Actor, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<CommandAnswer> {
    const metadata = commandMetadata(req, actor, `close ${id}`, body, body.occurredAt);
    return answer(res, await this.commands.execute(new ChangeFacility(id, { type: 'CloseFacility', reason: body.reason }, metadata)));
  }

  /**
   * Coordinators and admins see the whole facility; auditors all of it but its name and location
   * (a foster home is a family's home, PRODUCT.md §1); municipalities see facilities only through
   * their own offers and the capacity aggregates, so for them no facility exists here (404).
   */
  @Get(':id')
  @ApiOperation({ summary: 'A facility with its current numbers (coordinators and admins; auditors without name and location; 404 for municipalities)' })
  async get(@Param('id', uuidParam('id')) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    const notFound = new ProblemException(404, 'FACILITY.NOT_FOUND', 'Not Found', `No facility ${id}`);
    if (actor.role === 'municipality') throw notFound;
    const { state, revision } = await loadStream(this.store, facilityStream(id), facilityModel);
    if (!state.exists) throw notFound;
    const load = await this.availability.load(id);
    const open = state.status === 'active';
    res.setHeader('ETag', `"${revision}"`);
    return {
      id,
      ...(maySeeFacilityIdentity(actor) ? { name: state.name } : {}),
      kind: state.kind,
      region: state.region,
      municipality: state.municipality,
      ...(maySeeFacilityIdentity(actor) ? { location: state.location } : {}),
      targetGroups: state.targetGroups,
      status: state.status,
      places: state.places,
      occupied: load.occupied,
      reserved: load.reserved,
      available: open ? Math.max(0, state.places - load.occupied - load.reserved) : 0,
      overbooked: load.occupied + load.reserved > state.places,
      revision,
    };
  }
}
