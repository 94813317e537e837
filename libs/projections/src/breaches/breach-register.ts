import type { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import type { BreachType } from '@bistand/placement/breach-rules';
import type { CursorSigner } from '@bistand/http/cursor-signer';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, type CursorKind } from '../paging';
import { readScopeCondition } from '../read-scope';
import { queryInstant, timeRange } from '../time-range';
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

/** The register's order, which is also its keyset: every row has its own (occurred_at, id). */
const BREACH_CURSOR: CursorKind = { list: 'breaches', parts: ['instant', 'uuid'] };

/** Rows per keyset query while streaming the whole register: a bounded amount in memory at any time. */
export const CSV_PAGE_SIZE = 1_000;

type BreachFilter = Omit<BreachListQuery, 'cursor' | 'limit'>;

/**
 * Reads of the breach register. `asOf` answers what the register held at that instant: breaches
 * recorded by then, shown retracted only if retracted by then.
 */
export class BreachRegister {
  constructor(readonly pool: Pool) {}

  /** One page in the caller's scope, and the signed cursor of the next one. */
  async list(cursors: CursorSigner, actor: Actor, query: BreachListQuery): Promise<{ items: BreachView[]; nextCursor: string | null }> {
    const { cursor, limit = DEFAULT_PAGE_SIZE, ...filter } = query;
    const after = decodeCursor(cursors, BREACH_CURSOR, { ...filter }, cursor);
    const rows = await this.page(actor, filter, after && { occurredAt: new Date(after[0]), id: after[1] }, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toView),
      nextCursor: rows.length > limit && last ? encodeCursor(cursors, BREACH_CURSOR, { ...filter }, [last.occurred_at.toISOString(), last.id]) : null,
    };
  }

  /**
   * The whole filtered register, page by page: each page is its own short keyset query (no
   * transaction stays open while a slow client reads), and the next page is read only when the
   * consumer asks for it, so memory stays bounded whatever the register's size. A row is in
   * exactly one page because the keyset (occurred_at, id) is unique and strictly increasing.
   */
  async *pages(cursors: CursorSigner, actor: Actor, query: BreachListQuery, pageSize = CSV_PAGE_SIZE): AsyncGenerator<BreachView[]> {
    // With a cursor, the rest of the register after that page.
    const { cursor, limit: _, ...filter } = query;
    const start = decodeCursor(cursors, BREACH_CURSOR, { ...filter }, cursor);
    let after = start && { occurredAt: new Date(start[0]), id: start[1] };
    for (;;) {
      const rows = await this.page(actor, filter, after, pageSize);
      if (rows.length > 0) yield rows.map(toView);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1];
      after = { occurredAt: last.occurred_at, id: last.id };
    }
  }

  private async page(actor: Actor, filter: BreachFilter, after: { occurredAt: Date; id: string } | undefined, limit: number): Promise<BreachRow[]> {
    const params: unknown[] = [];
    const where = [readScopeCondition(actor, params)];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.region) add('region = ?', filter.region);
    if (filter.municipality) add('municipality = ?', filter.municipality);
    if (filter.type) add('type = ?', filter.type);
    if (filter.urgency) add('urgency = ?', filter.urgency);
    const { from, to } = timeRange(filter);
    if (from) add('occurred_at >= ?', from);
    if (to) add('occurred_at < ?', to);
    let retractedAt = 'retracted_at';
    if (filter.asOf) {
      params.push(queryInstant('asOf', filter.asOf));
      const asOf = `$${params.length}`;
      where.push(`recorded_at <= ${asOf}`);
      retractedAt = `CASE WHEN retracted_at <= ${asOf} THEN retracted_at END`;
    }
    if (!filter.includeRetracted) where.push(`${retractedAt} IS NULL`);
    if (after) {
      params.push(after.occurredAt, after.id);
      where.push(`(occurred_at, id) > ($${params.length - 1}, $${params.length}::uuid)`);
    }
    params.push(limit);
    const { rows } = await this.pool.query<BreachRow>(
      `SELECT id, request_id, type, occurred_at, recorded_at, region, municipality, urgency, placement_kind, offer_id, policy_version,
              ${retractedAt} IS NOT NULL AS retracted, ${retractedAt} AS retracted_at
         FROM rm_breaches WHERE ${where.join(' AND ')}
        ORDER BY occurred_at, id LIMIT $${params.length}`,
      params,
    );
    return rows;
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
