import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor, Role } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { ProblemException } from '@bistand/http/problem';
import { ParkedEvents, type ParkedEventView, type RetryOutcome } from './parked-events';
import { isTransientError } from './transient-error';

/** Parked events (PRODUCT.md §9): admins and auditors see them, only admins retry them. */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('v1/admin/parked-events')
export class ParkedEventsController {
  constructor(private readonly parked: ParkedEvents) {}

  @Get()
  @ApiOperation({ summary: 'Events a projection could not apply, with the error (admin, auditor)' })
  async list(@CurrentActor() actor: Actor): Promise<{ items: ParkedEventView[] }> {
    allow(actor, ['admin', 'auditor'], 'see parked events');
    return { items: await this.parked.list() };
  }

  @Post('retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Applies the parked events again, in order per stream and projection (admin)' })
  async retry(@CurrentActor() actor: Actor): Promise<RetryOutcome> {
    allow(actor, ['admin'], 'retry parked events');
    try {
      return await this.parked.retry();
    } catch (error) {
      if (isTransientError(error)) throw new ProblemException(503, 'READ_MODEL.UNAVAILABLE', 'Service Unavailable', 'The read models cannot be reached right now; retry in a moment');
      throw error;
    }
  }
}

function allow(actor: Actor, roles: readonly Role[], what: string): void {
  if (!roles.includes(actor.role)) throw new ProblemException(403, 'SCOPE.FORBIDDEN', 'Forbidden', `Your role (${actor.role}) may not ${what}`);
}
