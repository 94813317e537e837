import type { Pool, PoolClient } from 'pg';

/** Runs `work` in one transaction on one pooled connection: committed if it returns, rolled back if it throws. */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection that dies between two statements (server restart, pg_terminate_backend) is
  // reported as an 'error' event on the checked-out client, which nobody else listens to: unheard,
  // it would end the process. The next statement fails with it anyway, and is handled there.
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken ??= rollbackFailed));
    throw error;
  } finally {
    client.off('error', onError);
    // A broken connection is discarded, not handed to the next caller.
    client.release(broken);
  }
}
