import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { BREACH_TYPES } from '@bistand/placement/breach-rules';
import { readScopeCondition } from '../read-scope';
import { ISO_DATE_OR_DATE_TIME } from '@bistand/http/patterns';

const GROUPS = ['region', 'municipality', 'month', 'type'] as const;
type GroupBy = (typeof GROUPS)[number];

export class BreachStatsQuery {
  @ApiProperty({ enum: GROUPS })
  @IsIn(GROUPS, { message: `groupBy must be one of ${GROUPS.join(', ')}` })
  groupBy!: GroupBy;

  @ApiPropertyOptional({ description: 'From this instant (inclusive), ISO 8601' })
  @IsOptional()
  @Matches(ISO_DATE_OR_DATE_TIME, { message: 'from must be an ISO 8601 date or date-time with offset' })
  from?: string;

  @ApiPropertyOptional({ description: 'Up to this instant (exclusive), ISO 8601' })
  @IsOptional()
  @Matches(ISO_DATE_OR_DATE_TIME, { message: 'to must be an ISO 8601 date or date-time with offset' })
  to?: string;
}

export interface BreachStatsItem {
  key: string;
  breaches: number;
  byType: Record<string, number>;
  retracted: number;
  requests: number | null;
  offersBeforeDeadlineShare: number | null;
  medianHoursToFirstOffer: number | null;
  placedFarShare: number | null;
  outsideHomeRegionShare: number | null;
}

/** SQL for the group key of a row; months are Oslo calendar months. */
const KEY: Record<GroupBy, (time: string) => string | null> = {
  region: () => 'region',
  municipality: () => 'municipality',
  month: (time) => `to_char(${time} AT TIME ZONE 'Europe/Oslo', 'YYYY-MM')`,
  type: () => null,
};

/**
 * Counts of the breach register by region, municipality, month or type, with each group's request
 * figures (PRODUCT.md §6). Breaches count by when they occurred; request figures count requests
 * whose PlacementRequested business time falls in `from`–`to`.
 */
export async function breachStats(pool: Pool, actor: Actor, query: BreachStatsQuery): Promise<{ groupBy: GroupBy; items: BreachStatsItem[] }> {
  const between = (column: string, params: unknown[]) => {
    const where: string[] = [readScopeCondition(actor, params)];
    if (query.from) {
      params.push(new Date(query.from));
      where.push(`${column} >= $${params.length}`);
    }
    if (query.to) {
      params.push(new Date(query.to));
      where.push(`${column} < $${params.length}`);
    }
    return where.join(' AND ');
  };

  const breachKey = query.groupBy === 'type' ? 'type' : KEY[query.groupBy]('occurred_at')!;
  const breachParams: unknown[] = [];
  const { rows: breachRows } = await pool.query<{ key: string; type: string; live: number; retracted: number }>(
    `SELECT ${breachKey} AS key, type, count(*) FILTER (WHERE NOT retracted)::int AS live, count(*) FILTER (WHERE retracted)::int AS retracted
       FROM rm_breaches WHERE ${between('occurred_at', breachParams)} GROUP BY 1, 2`,
    breachParams,
  );

  const items = new Map<string, BreachStatsItem>();
  const item = (key: string) => {
    let existing = items.get(key);
    if (!existing) {
      existing = { key, breaches: 0, byType: Object.fromEntries(BREACH_TYPES.map((type) => [type, 0])), retracted: 0, requests: null, offersBeforeDeadlineShare: null, medianHoursToFirstOffer: null, placedFarShare: null, outsideHomeRegionShare: null };
      items.set(key, existing);
    }
    return existing;
  };
  for (const row of breachRows) {
    const entry = item(row.key);
    entry.breaches += row.live;
    entry.byType[row.type] = (entry.byType[row.type] ?? 0) + row.live;
    entry.retracted += row.retracted;
  }

  const requestKey = KEY[query.groupBy]('requested_at');
  if (requestKey) {
    const requestParams: unknown[] = [];
    const { rows } = await pool.query<{ key: string; requests: number; before_deadline: number; median_hours: number | null; placed: number; placed_far: number; outside: number }>(
      `SELECT ${requestKey} AS key,
              count(*)::int AS requests,
              count(*) FILTER (WHERE first_offer_at < offer_deadline)::int AS before_deadline,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_offer_at - requested_at) / 3600) AS median_hours,
              count(*) FILTER (WHERE placed_far IS NOT NULL)::int AS placed,
              count(*) FILTER (WHERE placed_far)::int AS placed_far,
              count(*) FILTER (WHERE outside_home_region)::int AS outside
         FROM rm_requests WHERE ${between('requested_at', requestParams)} GROUP BY 1`,
      requestParams,
    );
    for (const row of rows) {
      const entry = item(row.key);
      entry.requests = row.requests;
      entry.offersBeforeDeadlineShare = row.requests ? row.before_deadline / row.requests : null;
      entry.medianHoursToFirstOffer = row.median_hours === null ? null : Math.round(row.median_hours * 100) / 100;
      entry.placedFarShare = row.placed ? row.placed_far / row.placed : null;
      entry.outsideHomeRegionShare = row.placed ? row.outside / row.placed : null;
    }
  }
  return { groupBy: query.groupBy, items: [...items.values()].sort((a, b) => a.key.localeCompare(b.key)) };
}
