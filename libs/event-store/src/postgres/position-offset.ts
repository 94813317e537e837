import type { Pool } from 'pg';
import { inTransaction } from '@bistand/database/transaction';

/**
 * Positions are derived from transaction ids (see migration 0001). A database restored into a
 * fresh cluster starts again at low transaction ids, so new positions would sort before the
 * restored ones. At start we move the offset so that the next position is above every stored one.
 */
export async function realignPositionOffset(pool: Pool): Promise<void> {
  await inTransaction(pool, async (client) => {
    const { rows } = await client.query<{ max_position: string; next_xid: string; position_xid_offset: string }>(
      `SELECT (SELECT coalesce(max(position), 0) FROM es_events) AS max_position,
              pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid,
              position_xid_offset
         FROM es_meta FOR UPDATE`,
    );
    const { max_position, next_xid, position_xid_offset } = rows[0];
    const maxPosition = BigInt(max_position);
    const nextBase = (BigInt(next_xid) + BigInt(position_xid_offset)) << 20n;
    if (maxPosition >= nextBase) {
      const offset = (maxPosition >> 20n) + 1n - BigInt(next_xid);
      await client.query('UPDATE es_meta SET position_xid_offset = $1', [offset.toString()]);
    }
  });
}
