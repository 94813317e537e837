import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { BreachListQuery } from './breach-list.dto';
import { BreachStatsQuery, breachStats } from './breach-stats';
import { BreachRegister, breachesToCsv } from './breach-register';

@ApiTags('breaches')
@ApiBearerAuth()
@Controller('v1/breaches')
export class BreachesController {
  constructor(private readonly register: BreachRegister) {}

  @Get('stats')
  @ApiOperation({ summary: 'Breach counts and request figures grouped by region, municipality, month or type' })
  stats(@Query() query: BreachStatsQuery, @CurrentActor() actor: Actor) {
    return breachStats(this.register.pool, actor, query);
  }

  @Get()
  @ApiOperation({ summary: 'A page of the breach register, in scope; Accept: text/csv gives CSV' })
  @ApiProduces('application/json', 'text/csv')
  async list(@Query() query: BreachListQuery, @CurrentActor() actor: Actor, @Headers('accept') accept: string | undefined, @Res({ passthrough: true }) res: Response) {
    const page = await this.register.list(actor, query);
    if (accept && /\btext\/csv\b/.test(accept)) {
      res.type('text/csv; charset=utf-8');
      if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
      return breachesToCsv(page.items);
    }
    return page;
  }
}
