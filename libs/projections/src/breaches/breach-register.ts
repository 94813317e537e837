import type { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import type { BreachType } from '@bistand/placement/breach-rules';
import { instantFromQuery } from '@bistand/placement/oslo-time';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from '../paging';
import { readScopeCondition } from '../read-scope';
import { timeRange } from '../time-range';
import type { BreachListQuery } from './breach-list.dto';

export interface BreachView {
  id: string;
  requestId: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  region: string;
  municipality: string;
  urgency: string;
  placementKind: string;
  offerId: string | null;
  policyVersion: string;
  retracted: boolean;
  retractedAt: string | null;
}

/** A row of `rm_breaches`: what the requests projection writes, and the retraction marks. */
export interface BreachRow {
  id: string;
  request_id: string;
  type: BreachType;
  occurred_at: Date;
  recorded_at: Date;
  region: string;
  municipality: string;
  urgency: string;
  placement_kind: string;
  offer_id: string | null;
  policy_version: string;
  /** The event's position in the store (bigint, as text). */
  position: string;
  retracted: boolean;
  retracted_at: Date | null;
}

/**
 * Reads of the breach register. `asOf` answers what the register held at that instant: breaches
 * recorded by then, shown retracted only if retracted by then.
 */
export class BreachRegister {
  constructor(readonly pool: Pool) {}

  async list(actor: Actor, query: BreachListQuery): Promise<{ items: BreachView[]; nextCursor: string | null }> {
    const params: unknown[] = [];
    const where = [readScopeCondition(actor, params)];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.region) add('region = ?', query.region);
    if (query.municipality) add('municipality = ?', query.municipality);
    if (query.type) add('type = ?', query.type);
    if (query.urgency) add('urgency = ?', query.urgency);
    const { from, to } = timeRange(query);
    if (from) add('occurred_at >= ?', from);
    if (to) add('occurred_at < ?', to);
    let retractedAt = 'retracted_at';
    if (query.asOf) {
      params.push(instantFromQuery(query.asOf));
      const asOf = `$${params.length}`;
      where.push(`recorded_at <= ${asOf}`);
      retractedAt = `CASE WHEN retracted_at <= ${asOf} THEN retracted_at END`;
    }
    if (!query.includeRetracted) where.push(`${retractedAt} IS NULL`);
    const cursor = decodeCursor(query.cursor, 2);
    if (cursor) {
      params.push(new Date(cursor[0]), cursor[1]);
      where.push(`(occurred_at, id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    params.push(limit + 1);
    const { rows } = await this.pool.query<BreachRow>(
      `SELECT id, request_id, type, occurred_at, recorded_at, region, municipality, urgency, placement_kind, offer_id, policy_version,
              ${retractedAt} IS NOT NULL AS retracted, ${retractedAt} AS retracted_at
         FROM rm_breaches WHERE ${where.join(' AND ')}
        ORDER BY occurred_at, id LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toView), nextCursor: rows.length > limit && last ? encodeCursor([last.occurred_at.toISOString(), last.id]) : null };
  }

  async ofRequest(requestId: string): Promise<BreachView[]> {
    const { rows } = await this.pool.query<BreachRow>('SELECT * FROM rm_breaches WHERE request_id = $1 ORDER BY occurred_at, id', [requestId]);
    return rows.map(toView);
  }
}

function toView(row: BreachRow): BreachView {
  return {
    id: row.id,
    requestId: row.request_id,
    type: row.type,
    occurredAt: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    region: row.region,
    municipality: row.municipality,
    urgency: row.urgency,
    placementKind: row.placement_kind,
    offerId: row.offer_id,
    policyVersion: row.policy_version,
    retracted: row.retracted,
    retractedAt: row.retracted_at ? row.retracted_at.toISOString() : null,
  };
}

const CSV_COLUMNS: (keyof BreachView)[] = ['id', 'requestId', 'type', 'occurredAt', 'recordedAt', 'region', 'municipality', 'urgency', 'placementKind', 'offerId', 'policyVersion', 'retracted', 'retractedAt'];

/** RFC 4180 CSV with a header row. */
export function breachesToCsv(items: BreachView[]): string {
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? '' : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [CSV_COLUMNS.join(','), ...items.map((item) => CSV_COLUMNS.map((column) => cell(item[column])).join(','))].join('\r\n') + '\r\n';
}
