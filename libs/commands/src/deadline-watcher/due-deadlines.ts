import type { Pool } from 'pg';

export interface DueDeadline {
  requestId: string;
  deadline: Date;
  policyVersion: string;
}

/** Where a page of due deadlines ended: the next page starts strictly after it. */
export interface DueDeadlineCursor {
  /** The deadline as PostgreSQL wrote it, so no precision is lost between pages. */
  deadline: string;
  requestId: string;
}

/**
 * One page of requests whose offer deadline has passed unjudged, in (deadline, request id) order.
 * Keyset paging on both columns: many requests may share one deadline instant, and the sweep must
 * get past every one of them, also past rows it cannot judge, instead of reading the same first
 * page again.
 */
export async function readDueDeadlines(
  readModels: Pool,
  { now, recordedBefore, after, limit }: { now: Date; recordedBefore: Date; after?: DueDeadlineCursor; limit: number },
): Promise<{ rows: DueDeadline[]; next?: DueDeadlineCursor }> {
  const values: unknown[] = [now, recordedBefore, limit];
  let keyset = '';
  if (after) {
    values.push(after.deadline, after.requestId);
    keyset = 'AND (offer_deadline, request_id) > ($4::timestamptz, $5::uuid)';
  }
  const { rows } = await readModels.query<{ request_id: string; offer_deadline: Date; deadline_key: string; deadline_policy: string }>(
    `SELECT request_id, offer_deadline, offer_deadline::text AS deadline_key, deadline_policy FROM rm_requests
      WHERE deadline_state = 'pending' AND offer_deadline <= $1 AND recorded_at <= $2 ${keyset}
      ORDER BY offer_deadline, request_id LIMIT $3`,
    values,
  );
  const last = rows[rows.length - 1];
  return {
    rows: rows.map((row) => ({ requestId: row.request_id, deadline: row.offer_deadline, policyVersion: row.deadline_policy })),
    next: rows.length === limit && last ? { deadline: last.deadline_key, requestId: last.request_id } : undefined,
  };
}
