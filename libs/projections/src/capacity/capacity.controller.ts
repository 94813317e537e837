import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { mayReadRequest } from '@bistand/auth/scope';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { UUID } from '@bistand/http/patterns';
import { ProblemException } from '@bistand/http/problem';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type Recorded } from '@bistand/placement/placement-request/placement-request.state';
import type { PlacementRequestEvent } from '@bistand/placement/placement-request/placement-request.events';
import { findMunicipality } from '@bistand/reference-data/municipalities';
import { CapacityQuery, readCapacity, readMatches } from './capacity.query';

@ApiTags('capacity')
@ApiBearerAuth()
@Controller('v1/capacity')
export class CapacityController {
  constructor(
    private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Places per region and kind, now or as of a past instant (every role)' })
  async capacity(@Query() query: CapacityQuery) {
    return { items: await readCapacity(this.pool, query), nextCursor: null, asOf: query.asOf ?? null };
  }

  @Get('matches')
  @ApiOperation({ summary: 'Facilities with free places that fit a request, ranked' })
  @ApiQuery({ name: 'requestId', required: true })
  async matches(@Query('requestId') requestId: string | undefined, @CurrentActor() actor: Actor) {
    if (!requestId || !UUID.test(requestId)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: requestId', { errors: [{ field: 'requestId', message: 'requestId must be a UUID' }] });
    }
    const events = await this.store.readStream(placementRequestStream(requestId));
    const state = events.reduce(
      (current, recorded) =>
        evolvePlacementRequest(current, { type: recorded.type, data: recorded.data, eventId: recorded.eventId, occurredAt: recorded.recordedAt } as Recorded<PlacementRequestEvent>),
      initialPlacementRequestState,
    );
    const home = state.exists ? findMunicipality(state.municipality) : undefined;
    if (!state.exists || !home || !(actor.role === 'coordinator' || mayReadRequest(actor, state))) {
      throw new ProblemException(404, 'REQUEST.NOT_FOUND', 'Not Found', `No placement request ${requestId}`);
    }
    const items = await readMatches(this.pool, { placementKind: state.placementKind, targetGroup: state.targetGroup, region: state.region, home: home.centre });
    return { requestId, items, nextCursor: null };
  }
}
