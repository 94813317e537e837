import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { mayReadMatches, mayReadRequest, maySeeFacilityIdentity } from '@bistand/auth/scope';
import { EVENT_STORE, type EventStore } from '@bistand/event-store/event-store.port';
import { UUID } from '@bistand/http/patterns';
import { ProblemException } from '@bistand/http/problem';
import { placementRequestStream } from '@bistand/placement/placement-request/placement-request.events';
import { evolvePlacementRequest, initialPlacementRequestState, type Recorded } from '@bistand/placement/placement-request/placement-request.state';
import type { PlacementRequestEvent } from '@bistand/placement/placement-request/placement-request.events';
import { UnfoldableEventError } from '@bistand/placement/unfoldable-event';
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

  /** Single facilities by name are for those who offer them; auditors see them without names; municipalities not at all (PRODUCT.md §1). */
  @Get('matches')
  @ApiOperation({ summary: 'Facilities with free places that fit a request, ranked (coordinators and admins; auditors without names; 403 for municipalities)' })
  @ApiQuery({ name: 'requestId', required: true })
  async matches(@Query('requestId') requestId: unknown, @CurrentActor() actor: Actor) {
    if (!mayReadMatches(actor)) {
      throw new ProblemException(403, 'SCOPE.FORBIDDEN', 'Forbidden', 'Municipalities see capacity as aggregates (GET /v1/capacity), not single facilities');
    }
    if (typeof requestId !== 'string' || !UUID.test(requestId)) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: requestId', { errors: [{ field: 'requestId', message: 'requestId must be a UUID' }] });
    }
    const streamId = placementRequestStream(requestId);
    const events = await this.store.readStream(streamId);
    let state = initialPlacementRequestState;
    for (const recorded of events) {
      try {
        state = evolvePlacementRequest(state, { type: recorded.type, data: recorded.data, eventId: recorded.eventId, occurredAt: recorded.recordedAt } as Recorded<PlacementRequestEvent>);
      } catch (error) {
        // PRODUCT.md §9: a stream that cannot be folded is 503 STREAM.UNREADABLE, never a 500.
        throw new ProblemException(503, 'STREAM.UNREADABLE', 'Service Unavailable', `Stream ${streamId} cannot be read: its event at revision ${recorded.revision} (${recorded.type}) cannot be applied${error instanceof UnfoldableEventError ? `: ${error.message}` : ''}. Other streams are not affected; the event needs repair`, {
          streamId,
          revision: recorded.revision,
          position: recorded.position.toString(),
          eventType: recorded.type,
        });
      }
    }
    const home = state.exists ? findMunicipality(state.municipality) : undefined;
    if (!state.exists || !home || !(actor.role === 'coordinator' || mayReadRequest(actor, state))) {
      throw new ProblemException(404, 'REQUEST.NOT_FOUND', 'Not Found', `No placement request ${requestId}`);
    }
    const matches = await readMatches(this.pool, { placementKind: state.placementKind, targetGroup: state.targetGroup, region: state.region, home: home.centre });
    const items = maySeeFacilityIdentity(actor) ? matches : matches.map(({ name: _name, ...anonymous }) => anonymous);
    return { requestId, items, nextCursor: null };
  }
}
