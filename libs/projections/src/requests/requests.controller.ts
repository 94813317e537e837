import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { CursorSigner } from '@bistand/http/cursor-signer';
import { RequestListQuery, listRequests } from './request-list';

@ApiTags('placement requests')
@ApiBearerAuth()
@Controller('v1/placement-requests')
export class RequestListController {
  constructor(
    private readonly pool: Pool,
    private readonly cursors: CursorSigner,
  ) {}

  @Get()
  @ApiOperation({ summary: 'A page of requests in your scope (items, nextCursor), newest first' })
  list(@Query() query: RequestListQuery, @CurrentActor() actor: Actor) {
    return listRequests(this.pool, this.cursors, actor, query);
  }
}
