import type { Pool } from 'pg';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Arbitrary key for the advisory lock that serialises migrations of concurrently starting apps. */
const MIGRATION_LOCK_KEY = 7_316_202_401;

/**
 * Applies the migrations not yet recorded in `table`, each in its own transaction, under an
 * advisory lock so that several apps starting at once migrate exactly once.
 */
export async function migrate(pool: Pool, table: string, migrations: readonly Migration[]): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
    const done = new Set(rows.map((row) => row.version));
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
