import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { Pool } from 'pg';
import type { Actor } from '@bistand/auth/actor';
import { REQUEST_STATUSES } from '@bistand/placement/placement-request/placement-request.state';
import { AreaPageQuery } from '../list-query.dto';
import type { CursorSigner } from '@bistand/http/cursor-signer';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, type CursorKind } from '../paging';
import { readScopeCondition } from '../read-scope';
import { stateFromJson } from './request-state-json';
import { facilityMunicipalitiesOf, requestView } from './request-view';

export class RequestListQuery extends AreaPageQuery {
  @ApiPropertyOptional({ enum: REQUEST_STATUSES })
  @IsOptional()
  @IsIn(REQUEST_STATUSES, { message: `status must be one of ${REQUEST_STATUSES.join(', ')}` })
  status?: string;
}

interface RequestRow {
  request_id: string;
  requested_at: Date;
  recorded_at: Date;
  offer_deadline: Date;
  state: unknown;
}

const REQUEST_CURSOR: CursorKind = { list: 'placement-requests', parts: ['instant', 'uuid'] };

/** Pages of placement requests in the caller's scope, newest business time first. */
export async function listRequests(pool: Pool, cursors: CursorSigner, actor: Actor, query: RequestListQuery) {
  const params: unknown[] = [];
  const where = [readScopeCondition(actor, params)];
  for (const [column, value] of [
    ['status', query.status],
    ['region', query.region],
    ['municipality', query.municipality],
    ['urgency', query.urgency],
  ] as const) {
    if (value === undefined) continue;
    params.push(value);
    where.push(`${column} = $${params.length}`);
  }
  const cursor = decodeCursor(cursors, REQUEST_CURSOR, { ...query }, query.cursor);
  if (cursor) {
    params.push(new Date(cursor[0]), cursor[1]);
    where.push(`(requested_at, request_id) < ($${params.length - 1}, $${params.length}::uuid)`);
  }
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  params.push(limit + 1);
  const { rows } = await pool.query<RequestRow>(
    `SELECT request_id, requested_at, recorded_at, offer_deadline, state FROM rm_requests WHERE ${where.join(' AND ')}
      ORDER BY requested_at DESC, request_id DESC LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const states = page.map((row) => {
    const state = stateFromJson(row.state);
    if (!state.exists) throw new Error(`rm_requests holds an empty state for ${row.request_id}`);
    return state;
  });
  const facilityMunicipalities = await facilityMunicipalitiesOf(pool, states);
  return {
    items: page.map((row, index) => ({
      ...requestView(states[index], row.recorded_at.toISOString(), facilityMunicipalities),
      occurredAt: row.requested_at.toISOString(),
      offerDeadline: row.offer_deadline.toISOString(),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(cursors, REQUEST_CURSOR, { ...query }, [last.requested_at.toISOString(), last.request_id]) : null,
  };
}
