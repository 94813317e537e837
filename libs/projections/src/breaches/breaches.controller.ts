import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Actor } from '@bistand/auth/actor';
import { CurrentActor } from '@bistand/auth/auth.guard';
import { CursorSigner } from '@bistand/http/cursor-signer';
import { BreachListQuery } from './breach-list.dto';
import { BreachStatsQuery, breachStats } from './breach-stats';
import { breachesToCsv, streamBreachCsv } from './breach-csv';
import { BreachRegister } from './breach-register';

const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';

@ApiTags('breaches')
@ApiBearerAuth()
@Controller('v1/breaches')
export class BreachesController {
  constructor(
    private readonly register: BreachRegister,
    private readonly cursors: CursorSigner,
  ) {}

  @Get('stats')
  @ApiOperation({ summary: 'Breach counts and request figures grouped by region, municipality, month or type' })
  stats(@Query() query: BreachStatsQuery, @CurrentActor() actor: Actor) {
    return breachStats(this.register.pool, actor, query);
  }

  /**
   * JSON pages; with `Accept: text/csv` one page as CSV when `limit` is given (next cursor in
   * `X-Next-Cursor`), else the whole filtered register streamed as one CSV (PRODUCT.md §6).
   */
  @Get()
  @ApiOperation({ summary: 'A page of the breach register, in scope; Accept: text/csv gives CSV (without limit: the whole filtered register, streamed)' })
  @ApiProduces('application/json', 'text/csv')
  @ApiHeader({ name: 'Accept', required: false, description: 'text/csv for CSV (RFC 4180, formula-like cells prefixed with an apostrophe)' })
  @ApiOkResponse({
    description: 'A page ({ items, nextCursor }), or CSV: one page with limit, else the whole filtered register',
    headers: { 'X-Next-Cursor': { description: 'With Accept: text/csv and limit: the cursor of the next page, absent on the last', schema: { type: 'string' } } },
  })
  async list(@Query() query: BreachListQuery, @CurrentActor() actor: Actor, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    const wantsCsv = typeof accept === 'string' && /\btext\/csv\b/i.test(accept);
    if (wantsCsv && query.limit === undefined) {
      await streamBreachCsv(res, this.register.pages(this.cursors, actor, query));
      return;
    }
    const page = await this.register.list(this.cursors, actor, query);
    if (wantsCsv) {
      if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
      res.status(200).type(CSV_CONTENT_TYPE).send(breachesToCsv(page.items));
      return;
    }
    res.status(200).json(page);
  }
}
