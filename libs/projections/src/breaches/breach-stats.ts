import { Logger } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { BREACH_TYPES } from '@bistand/placement/breach-rules';
import { addMonths, isoMonth, osloMonthOf, osloMonthStart, type CalendarMonth } from '@bistand/placement/oslo-time';
import { osloMonth } from '../read-model-schema';
import { readScopeCondition } from '../read-scope';
import { timeRange } from '../time-range';
import { ISO_DATE_OR_DATE_TIME } from '@bistand/http/patterns';

const logger = new Logger('BreachStats');

const GROUPS = ['region', 'municipality', 'month', 'type'] as const;
type GroupBy = (typeof GROUPS)[number];

export class BreachStatsQuery {
  @ApiProperty({ enum: GROUPS })
  @IsIn(GROUPS, { message: `groupBy must be one of ${GROUPS.join(', ')}` })
  groupBy!: GroupBy;

  @ApiPropertyOptional({ description: 'From this instant (inclusive), ISO 8601; a bare date is the start of that day in Oslo' })
  @IsOptional()
  @Matches(ISO_DATE_OR_DATE_TIME, { message: 'from must be an ISO 8601 date or date-time with offset' })
  from?: string;

  @ApiPropertyOptional({ description: 'Up to this instant (exclusive), ISO 8601; a bare date is the start of that day in Oslo' })
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

/** A time range split into whole Oslo months (read from the monthly statistics) and the rest (read from the rows). */
interface Span {
  /** Whole months `[first, end)` as `YYYY-MM-01`, each bound absent when open; null when no whole month falls inside. */
  months: { first?: string; end?: string } | null;
  /** The parts outside whole months, `[from, to)`, each bound absent (null) when open. */
  rest: [Date | null, Date | null][];
}

/** Splits `from`–`to` (either may be open) into the whole Oslo months inside it and the days left at its edges. */
export function splitIntoMonths(from: Date | null, to: Date | null): Span {
  const monthDate = (month: CalendarMonth) => `${isoMonth(month)}-01`;
  let first: CalendarMonth | undefined;
  if (from) {
    const containing = osloMonthOf(from);
    first = osloMonthStart(containing).getTime() === from.getTime() ? containing : addMonths(containing, 1);
  }
  const end = to ? osloMonthOf(to) : undefined;
  if (first && end && osloMonthStart(first) >= osloMonthStart(end)) return { months: null, rest: from! < to! ? [[from!, to!]] : [] };
  const rest: [Date | null, Date | null][] = [];
  if (from && first && from < osloMonthStart(first)) rest.push([from, osloMonthStart(first)]);
  if (to && end && osloMonthStart(end) < to) rest.push([osloMonthStart(end), to]);
  return { months: { first: first && monthDate(first), end: end && monthDate(end) }, rest };
}

function isEmpty(span: Span): boolean {
  return !span.months && span.rest.length === 0;
}

/** Builds one statement's WHERE clauses and parameters. */
class Where {
  readonly params: unknown[] = [];

  constructor(private readonly actor: Actor) {}

  value(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** The caller's scope and whole months on a monthly statistics table. */
  months(span: Span): string {
    const where = [readScopeCondition(this.actor, this.params)];
    if (span.months?.first) where.push(`month >= ${this.value(span.months.first)}::date`);
    if (span.months?.end) where.push(`month < ${this.value(span.months.end)}::date`);
    return where.join(' AND ');
  }

  /** The caller's scope and a range of an instant column of the rows (either bound may be open). */
  range(from: Date | null, to: Date | null, column: string): string {
    const where = [readScopeCondition(this.actor, this.params)];
    if (from) where.push(`${column} >= ${this.value(from)}`);
    if (to) where.push(`${column} < ${this.value(to)}`);
    return where.join(' AND ');
  }
}

/**
 * Sums the whole months of a statistics table and the rest of its rows into one result: one branch
 * per range, so each reads its own index range (an OR of ranges would scan the whole index).
 */
function unionOfParts(span: Span, months: (where: Where) => string, rest: (where: Where, from: Date | null, to: Date | null) => string, where: Where): string {
  const parts = [];
  if (span.months) parts.push(months(where));
  for (const [from, to] of span.rest) parts.push(rest(where, from, to));
  return parts.join(' UNION ALL ');
}

/**
 * SQL for a group's key: on a monthly statistics table (`month` column) and on the rows (an
 * instant). Months stay dates while rows are summed and are spelt `YYYY-MM` once per group.
 */
function groupKey(groupBy: GroupBy, instant: string | null): string {
  if (groupBy !== 'month') return groupBy;
  return instant ? osloMonth(instant) : 'month';
}

/** The key as answered, from the summed rows' key column. */
function spelledKey(groupBy: GroupBy, column = 'key'): string {
  return groupBy === 'month' ? `to_char(${column}, 'YYYY-MM')` : column;
}

/**
 * Counts of the breach register by region, municipality, month or type, with each group's request
 * figures (PRODUCT.md §6). Breaches count by when they occurred; request figures count requests
 * whose PlacementRequested business time falls in `from`–`to`. Whole Oslo months come from the
 * monthly statistics the projection keeps; only the days at the edges of the range are counted
 * from the rows. The median is exact: the hourly counts locate it, and the rows give its value.
 */
export async function breachStats(pool: Pool, actor: Actor, query: BreachStatsQuery): Promise<{ groupBy: GroupBy; items: BreachStatsItem[] }> {
  const { from, to } = timeRange(query);
  const span = splitIntoMonths(from, to);
  // Per municipality, or for a caller who sees only some municipalities, the municipalities' monthly tables; else the regions'.
  const level: Level = query.groupBy === 'municipality' || actor.role === 'municipality' ? 'municipality' : 'region';
  const items = new Map<string, BreachStatsItem>();
  const item = (key: string) => {
    let existing = items.get(key);
    if (!existing) {
      existing = { key, breaches: 0, byType: Object.fromEntries(BREACH_TYPES.map((type) => [type, 0])), retracted: 0, requests: null, offersBeforeDeadlineShare: null, medianHoursToFirstOffer: null, placedFarShare: null, outsideHomeRegionShare: null };
      items.set(key, existing);
    }
    return existing;
  };

  const counting = query.groupBy === 'type' ? Promise.resolve([]) : requestCounts(pool, actor, query.groupBy, span, level);
  const [breaches, requests, medians] = await Promise.all([
    breachCounts(pool, actor, query.groupBy, span, level),
    counting,
    query.groupBy === 'type'
      ? new Map<string, number>()
      : query.groupBy === 'municipality'
        ? counting.then((counts) => municipalityMedians(pool, actor, from, to, counts))
        : medianHoursToFirstOffer(pool, actor, query.groupBy, from, to, span, level),
  ]);
  for (const row of breaches) {
    const entry = item(row.key);
    entry.breaches += row.live;
    entry.byType[row.type] = (entry.byType[row.type] ?? 0) + row.live;
    entry.retracted += row.retracted;
  }
  for (const row of requests) {
    const entry = item(row.key);
    entry.requests = row.requests;
    entry.offersBeforeDeadlineShare = row.requests ? row.before_deadline / row.requests : null;
    const median = medians.get(row.key);
    entry.medianHoursToFirstOffer = median === undefined ? null : Math.round(median * 100) / 100;
    entry.placedFarShare = row.placed ? row.placed_far / row.placed : null;
    entry.outsideHomeRegionShare = row.placed ? row.outside / row.placed : null;
  }
  return { groupBy: query.groupBy, items: [...items.values()].sort((a, b) => a.key.localeCompare(b.key)) };
}

async function breachCounts(pool: Pool, actor: Actor, groupBy: GroupBy, span: Span, level: Level) {
  if (isEmpty(span)) return [];
  const where = new Where(actor);
  const parts = unionOfParts(
    span,
    (w) => `SELECT ${groupKey(groupBy, null)} AS key, type, live, retracted FROM rm_stats_${level}_breaches WHERE ${w.months(span)}`,
    (w, from, to) => `SELECT ${groupKey(groupBy, 'occurred_at')} AS key, type, (NOT retracted)::int, retracted::int FROM rm_breaches WHERE ${w.range(from, to, 'occurred_at')}`,
    where,
  );
  const { rows } = await pool.query<{ key: string; type: string; live: number; retracted: number }>(
    `SELECT ${spelledKey(groupBy)} AS key, type, sum(live)::int AS live, sum(retracted)::int AS retracted
       FROM (${parts}) AS counted (key, type, live, retracted) GROUP BY counted.key, type`,
    where.params,
  );
  return rows;
}

async function requestCounts(pool: Pool, actor: Actor, groupBy: GroupBy, span: Span, level: Level): Promise<RequestCounts[]> {
  if (isEmpty(span)) return [];
  const where = new Where(actor);
  const parts = unionOfParts(
    span,
    (w) =>
      `SELECT ${groupKey(groupBy, null)}, requests, offered, before_deadline, placed, placed_far, outside_home_region
         FROM rm_stats_${level}_requests WHERE ${w.months(span)}`,
    (w, from, to) =>
      `SELECT ${groupKey(groupBy, 'requested_at')}, 1, (hours_to_first_offer IS NOT NULL)::int, (first_offer_at < offer_deadline)::int, (placed_far IS NOT NULL)::int,
              coalesce(placed_far, false)::int, coalesce(outside_home_region, false)::int
         FROM rm_requests WHERE ${w.range(from, to, 'requested_at')}`,
    where,
  );
  const { rows } = await pool.query<RequestCounts>(
    `SELECT ${spelledKey(groupBy)} AS key, sum(requests)::int AS requests, sum(offered)::int AS offered, sum(before_deadline)::int AS before_deadline,
            sum(placed)::int AS placed, sum(placed_far)::int AS placed_far, sum(outside)::int AS outside
       FROM (${parts}) AS counted (key, requests, offered, before_deadline, placed, placed_far, outside) GROUP BY counted.key`,
    where.params,
  );
  return rows;
}

type Level = 'region' | 'municipality';

interface RequestCounts {
  key: string;
  requests: number;
  /** Requests with a first offer: the ones the median is taken over. */
  offered: number;
  before_deadline: number;
  placed: number;
  placed_far: number;
  outside: number;
}

/**
 * The median hours from filing to first offer per municipality: a municipality has a few hundred
 * requests a year, so its counts give the middle rank(s), and one read of its index range, offset
 * to them, gives the exact value.
 */
async function municipalityMedians(pool: Pool, actor: Actor, from: Date | null, to: Date | null, counts: RequestCounts[]): Promise<Map<string, number>> {
  const groups = counts.filter((row) => row.offered > 0);
  if (groups.length === 0) return new Map();
  const where = new Where(actor);
  const { rows } = await pool.query<{ key: string; median: number | null; found: number }>(
    `SELECT l.key, middle.median, middle.found
       FROM unnest(${where.value(groups.map((g) => g.key))}::text[], ${where.value(groups.map((g) => Math.floor((g.offered - 1) / 2)))}::int[],
                   ${where.value(groups.map((g) => (g.offered % 2 === 1 ? 1 : 2)))}::int[]) AS l (key, first, count),
            LATERAL (SELECT avg(hours) AS median, count(*)::int AS found FROM (
              SELECT hours_to_first_offer AS hours FROM rm_requests
               WHERE municipality = l.key AND hours_to_first_offer IS NOT NULL AND ${where.range(from, to, 'requested_at')}
               ORDER BY hours_to_first_offer OFFSET l.first LIMIT l.count) AS m) AS middle`,
    where.params,
  );
  const expected = new Map(groups.map((g) => [g.key, g.offered % 2 === 1 ? 1 : 2]));
  if (rows.some((row) => row.found !== expected.get(row.key))) {
    logger.error('offer counts per municipality out of step with rm_requests; medians read from the rows');
    return mediansFromRows(pool, actor, 'municipality', from, to);
  }
  return new Map(rows.map((row) => [row.key, row.median!]));
}

/**
 * The median hours from filing to first offer per region or month. For callers who see whole
 * regions: the hourly counts give each group's middle rank(s) and the hour they fall in, and one
 * index range per rank reads the exact value. For a caller who sees only some municipalities, or
 * a range inside one month, directly from the rows (there are few).
 */
async function medianHoursToFirstOffer(pool: Pool, actor: Actor, groupBy: GroupBy, from: Date | null, to: Date | null, span: Span, level: Level): Promise<Map<string, number>> {
  if (isEmpty(span)) return new Map();
  if (!span.months || level !== 'region') return mediansFromRows(pool, actor, groupBy, from, to);

  const where = new Where(actor);
  const parts = unionOfParts(
    span,
    (w) => `SELECT ${groupKey(groupBy, null)}, hour, requests FROM rm_stats_region_offer_delays WHERE ${w.months(span)}`,
    (w, from, to) =>
      `SELECT ${groupKey(groupBy, 'requested_at')}, floor(hours_to_first_offer)::int, 1 FROM rm_requests
        WHERE hours_to_first_offer IS NOT NULL AND ${w.range(from, to, 'requested_at')}`,
    where,
  );
  // Each group's middle rank(s) located in the summed hours, then each read from that hour's index range, all in one statement.
  const lo = from ? where.value(from) : null;
  const hi = to ? where.value(to) : null;
  const bounds =
    groupBy === 'month'
      ? `requested_at >= ${greatest(lo, `m.key::timestamp AT TIME ZONE 'Europe/Oslo'`)} AND requested_at < ${least(hi, `(m.key + interval '1 month')::timestamp AT TIME ZONE 'Europe/Oslo'`)}`
      : `region = m.key${lo ? ` AND requested_at >= ${lo}` : ''}${hi ? ` AND requested_at < ${hi}` : ''}`;
  const { rows } = await pool.query<{ key: string; median: number | null; found: number; wanted: number }>(
    `WITH hours AS (
       SELECT key, hour, sum(requests)::int AS n FROM (${parts}) AS counted (key, hour, requests) GROUP BY key, hour
     ), placed AS (
       SELECT key, hour, n, sum(n) OVER (PARTITION BY key ORDER BY hour) - n AS before, sum(n) OVER (PARTITION BY key) AS total FROM hours
     ), middle AS (
       SELECT DISTINCT p.key, p.hour, r.rank - p.before AS offset_in_hour
         FROM placed p, LATERAL (VALUES ((p.total - 1) / 2), (p.total / 2)) AS r (rank)
        WHERE r.rank >= p.before AND r.rank < p.before + p.n
     )
     SELECT ${spelledKey(groupBy, 'm.key')} AS key, avg(v.hours) AS median, count(v.hours)::int AS found, count(*)::int AS wanted
       FROM middle m LEFT JOIN LATERAL (
         SELECT hours_to_first_offer AS hours FROM rm_requests
          WHERE hours_to_first_offer >= m.hour AND hours_to_first_offer < m.hour + 1 AND ${bounds} AND ${readScopeCondition(actor, where.params)}
          ORDER BY hours_to_first_offer OFFSET m.offset_in_hour LIMIT 1
       ) AS v ON true
      GROUP BY m.key`,
    where.params,
  );
  if (rows.some((row) => row.found !== row.wanted)) {
    // Only a defect can get here (the counts and the rows are written in one transaction); answer correctly anyway.
    logger.error('offer delay counts out of step with rm_requests; medians read from the rows');
    return mediansFromRows(pool, actor, groupBy, from, to);
  }
  return new Map(rows.map((row) => [row.key, row.median!]));
}

function greatest(a: string | null, b: string): string {
  return a ? `greatest(${a}, ${b})` : b;
}

function least(a: string | null, b: string): string {
  return a ? `least(${a}, ${b})` : b;
}

async function mediansFromRows(pool: Pool, actor: Actor, groupBy: GroupBy, from: Date | null, to: Date | null): Promise<Map<string, number>> {
  const where = new Where(actor);
  const { rows } = await pool.query<{ key: string; median: number }>(
    `SELECT ${spelledKey(groupBy)} AS key, median FROM (
       SELECT ${groupKey(groupBy, 'requested_at')} AS key, percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_first_offer) AS median
         FROM rm_requests WHERE hours_to_first_offer IS NOT NULL AND ${where.range(from, to, 'requested_at')} GROUP BY 1) AS medians`,
    where.params,
  );
  return new Map(rows.map((row) => [row.key, row.median]));
}


