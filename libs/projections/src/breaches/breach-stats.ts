import { Logger } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { BREACH_TYPES } from '@bistand/placement/breach-rules';
import { addCalendarDays, addMonths, isoDate, isoMonth, osloDayOf, osloDayStart, osloMonthOf, osloMonthStart, type CalendarMonth } from '@bistand/placement/oslo-time';
import { breachCounter, osloMonth, REQUEST_COUNTERS, retractedCounter } from '../read-model-schema';
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

/** Which monthly statistics a question reads: per region, or per municipality. */
type Level = 'region' | 'municipality';

/** A time range split into whole Oslo months (read from the monthly statistics) and the rest (read from the rows). */
interface Span {
  /** Whole months `[first, end)` as `YYYY-MM-01`, each bound absent when open; null when no whole month falls inside. */
  months: { first?: string; end?: string } | null;
  /** The parts outside whole months, `[from, to)`. */
  rest: [Date, Date][];
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
  const rest: [Date, Date][] = [];
  if (from && first && from < osloMonthStart(first)) rest.push([from, osloMonthStart(first)]);
  if (to && end && osloMonthStart(end) < to) rest.push([osloMonthStart(end), to]);
  return { months: { first: first && monthDate(first), end: end && monthDate(end) }, rest };
}

/** Whole Oslo days `[first, end)` as `YYYY-MM-DD`, and the parts of days left at the edges. */
interface DaySplit {
  days: { first: string; end: string } | null;
  partial: [Date, Date][];
}

/** Splits a bounded range into the whole Oslo days inside it and the parts of days at its edges. */
export function splitIntoDays(from: Date, to: Date): DaySplit {
  let first = osloDayOf(from);
  if (osloDayStart(first) < from) first = addCalendarDays(first, 1);
  const end = osloDayOf(to);
  if (osloDayStart(first) >= osloDayStart(end)) return { days: null, partial: from < to ? [[from, to]] : [] };
  const partial: [Date, Date][] = [];
  if (from < osloDayStart(first)) partial.push([from, osloDayStart(first)]);
  if (osloDayStart(end) < to) partial.push([osloDayStart(end), to]);
  return { days: { first: isoDate(first), end: isoDate(end) }, partial };
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

  /** The caller's scope and whole days on a daily statistics table. */
  days({ first, end }: { first: string; end: string }): string {
    return `${readScopeCondition(this.actor, this.params)} AND day >= ${this.value(first)}::date AND day < ${this.value(end)}::date`;
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
 * monthly statistics the projection keeps, whole days at the edges (per region) from the daily
 * ones; only the hours left over are counted from the rows. The medians are exact.
 */
export async function breachStats(pool: Pool, actor: Actor, query: BreachStatsQuery): Promise<{ groupBy: GroupBy; items: BreachStatsItem[] }> {
  const { from, to } = timeRange(query);
  const span = splitIntoMonths(from, to);
  // Per municipality, or for a caller who sees only some municipalities, the municipalities' monthly tables; else the regions'.
  const level: Level = query.groupBy === 'municipality' || actor.role === 'municipality' ? 'municipality' : 'region';
  const [rows, medians] = await Promise.all([
    counts(pool, actor, query.groupBy, span, level),
    query.groupBy === 'type' ? new Map<string, number>() : medianHoursToFirstOffer(pool, actor, query.groupBy, from, to, span, level),
  ]);
  const items = new Map<string, BreachStatsItem>();
  const item = (key: string) => {
    let existing = items.get(key);
    if (!existing) {
      existing = { key, breaches: 0, byType: Object.fromEntries(BREACH_TYPES.map((type) => [type, 0])), retracted: 0, requests: null, offersBeforeDeadlineShare: null, medianHoursToFirstOffer: null, placedFarShare: null, outsideHomeRegionShare: null };
      items.set(key, existing);
    }
    return existing;
  };
  for (const row of rows) {
    for (const type of BREACH_TYPES) {
      const live = row[breachCounter(type)];
      const retracted = row[retractedCounter(type)];
      if (query.groupBy === 'type' && live + retracted === 0) continue;
      const entry = item(query.groupBy === 'type' ? type : row.key);
      entry.breaches += live;
      entry.byType[type] += live;
      entry.retracted += retracted;
    }
    // A group with breaches but no request filed in the range has no request figures.
    if (query.groupBy === 'type' || row.requests === 0) continue;
    const entry = item(row.key);
    entry.requests = row.requests;
    entry.offersBeforeDeadlineShare = row.before_deadline / row.requests;
    const median = medians.get(row.key);
    entry.medianHoursToFirstOffer = median === undefined ? null : Math.round(median * 100) / 100;
    entry.placedFarShare = row.placed ? row.placed_far / row.placed : null;
    entry.outsideHomeRegionShare = row.placed ? row.outside_home_region / row.placed : null;
  }
  return { groupBy: query.groupBy, items: [...items.values()].sort((a, b) => a.key.localeCompare(b.key)) };
}

/** A group's counters, summed from the monthly table of its level and the rows at the edges of the range. */
type Counts = { key: string } & Record<(typeof REQUEST_COUNTERS)[number], number> & Record<string, number>;

async function counts(pool: Pool, actor: Actor, groupBy: GroupBy, span: Span, level: Level): Promise<Counts[]> {
  if (isEmpty(span)) return [];
  const breachCounters = BREACH_TYPES.flatMap((type) => [breachCounter(type), retractedCounter(type)]);
  const counters = [...REQUEST_COUNTERS, ...breachCounters];
  const zeros = (n: number) => Array<string>(n).fill('0').join(', ');
  // By type, one group: the types are columns.
  const key = (instant: string | null) => (groupBy === 'type' ? `'all'` : groupKey(groupBy, instant));
  const where = new Where(actor);
  const fromRows = (w: Where, from: Date, to: Date) =>
    `SELECT ${key('requested_at')}, 1, (hours_to_first_offer IS NOT NULL)::int, (first_offer_at < offer_deadline)::int, (placed_far IS NOT NULL)::int,
            coalesce(placed_far, false)::int, coalesce(outside_home_region, false)::int, ${zeros(breachCounters.length)}
       FROM rm_requests WHERE ${w.range(from, to, 'requested_at')}
     UNION ALL
     SELECT ${key('occurred_at')}, ${zeros(REQUEST_COUNTERS.length)},
            ${BREACH_TYPES.flatMap((type) => [`(type = '${type}' AND NOT retracted)::int`, `(type = '${type}' AND retracted)::int`]).join(', ')}
       FROM rm_breaches WHERE ${w.range(from, to, 'occurred_at')}`;
  // Whole months from the monthly table; per region, whole days at the edges from the daily one; the rest from the rows.
  const parts: string[] = [];
  if (span.months) parts.push(`SELECT ${key(null)}, ${counters.join(', ')} FROM rm_stats_${level} WHERE ${where.months(span)}`);
  for (const [from, to] of span.rest) {
    const { days, partial } = level === 'region' ? splitIntoDays(from, to) : { days: null, partial: [[from, to]] };
    const dayKey = groupBy === 'month' ? `date_trunc('month', day)::date` : key(null);
    if (days) parts.push(`SELECT ${dayKey}, ${counters.join(', ')} FROM rm_stats_region_daily WHERE ${where.days(days)}`);
    for (const [partFrom, partTo] of partial) parts.push(fromRows(where, partFrom, partTo));
  }
  const { rows } = await pool.query<Counts>(
    `SELECT ${groupBy === 'type' ? 'key' : spelledKey(groupBy)} AS key, ${counters.map((c) => `sum(${c})::int AS ${c}`).join(', ')}
       FROM (${parts.join(' UNION ALL ')}) AS counted (key, ${counters.join(', ')}) GROUP BY counted.key`,
    where.params,
  );
  return rows;
}

/**
 * The median hours from filing to first offer per group. By region or month, for callers who see
 * whole regions: the hourly counts give each group's middle rank(s) and the hour they fall in, and
 * one index range per rank reads the exact value. By municipality, or for a caller who sees only
 * some municipalities, or for a range inside one month, from the rows: an index keeps each
 * municipality's requests in order of hours, and the rest are few.
 */
async function medianHoursToFirstOffer(pool: Pool, actor: Actor, groupBy: GroupBy, from: Date | null, to: Date | null, span: Span, level: Level): Promise<Map<string, number>> {
  if (isEmpty(span)) return new Map();
  if (span.months && span.rest.length === 0 && groupBy === 'municipality') return municipalityMediansOverMonths(pool, actor, from, to, span);
  if (!span.months || level !== 'region') return mediansFromRows(pool, actor, groupBy, from, to);

  // Hours to first offer counted per whole hour: whole months from their table, the rest from the rows
  // (one branch per range, so each reads its own index range; an OR of ranges would scan the whole index).
  const where = new Where(actor);
  const parts = [`SELECT ${groupKey(groupBy, null)}, hour, requests FROM rm_stats_region_offer_delays WHERE ${where.months(span)}`];
  for (const [restFrom, restTo] of span.rest) {
    parts.push(
      `SELECT ${groupKey(groupBy, 'requested_at')}, floor(hours_to_first_offer)::int, 1 FROM rm_requests
        WHERE hours_to_first_offer IS NOT NULL AND ${where.range(restFrom, restTo, 'requested_at')}`,
    );
  }
  // Each group's middle rank(s) located in the summed hours, then each read from that hour's index range, all in one statement.
  // The group's month as an expression, not as a range of requested_at: the hour's index range is the one to read.
  const inGroup = [groupBy === 'month' ? `${osloMonth('requested_at')} = m.key` : 'region = m.key'];
  if (from) inGroup.push(`requested_at >= ${where.value(from)}`);
  if (to) inGroup.push(`requested_at < ${where.value(to)}`);
  const { rows } = await pool.query<{ key: string; median: number | null; found: number; wanted: number }>(
    `WITH hours AS (
       SELECT key, hour, sum(requests)::int AS n FROM (${parts.join(' UNION ALL ')}) AS counted (key, hour, requests) GROUP BY key, hour
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
          WHERE hours_to_first_offer >= m.hour AND hours_to_first_offer < m.hour + 1 AND ${inGroup.join(' AND ')} AND ${readScopeCondition(actor, where.params)}
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

/**
 * By municipality over whole months: each municipality's number of first offers comes from its
 * monthly table, and its middle value(s) are read at that offset of its index range: about half of
 * its rows, in index order, instead of all of them sorted.
 */
async function municipalityMediansOverMonths(pool: Pool, actor: Actor, from: Date | null, to: Date | null, span: Span): Promise<Map<string, number>> {
  const where = new Where(actor);
  // No scope condition on the rows: the municipalities come from the scoped monthly table, and the index holds no region.
  const inRange = [...(from ? [`AND requested_at >= ${where.value(from)}`] : []), ...(to ? [`AND requested_at < ${where.value(to)}`] : [])];
  const { rows } = await pool.query<{ key: string; median: number | null; found: number; wanted: number }>(
    `WITH counted AS (SELECT municipality AS key, sum(offered)::int AS n FROM rm_stats_municipality WHERE ${where.months(span)} GROUP BY 1)
     SELECT c.key, m.median, m.found, 2 - c.n % 2 AS wanted
       FROM counted c, LATERAL (
         SELECT avg(hours) AS median, count(*)::int AS found FROM (
           SELECT hours_to_first_offer AS hours FROM rm_requests
            WHERE municipality = c.key AND hours_to_first_offer IS NOT NULL ${inRange.join(' ')}
            ORDER BY hours_to_first_offer OFFSET (c.n - 1) / 2 LIMIT 2 - c.n % 2
         ) AS middle
       ) AS m
      WHERE c.n > 0`,
    where.params,
  );
  if (rows.some((row) => row.found !== row.wanted)) {
    logger.error('offer counts out of step with rm_requests; medians read from the rows');
    return mediansFromRows(pool, actor, 'municipality', from, to);
  }
  return new Map(rows.map((row) => [row.key, row.median!]));
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
