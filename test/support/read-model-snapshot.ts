import { Pool } from 'pg';

/** Every read-model row, table by table, in a stable order (the checkpoints' wall-clock stamp left out). */
export async function readModelSnapshot(url: string): Promise<Record<string, unknown[]>> {
  const pool = new Pool({ connectionString: url, options: '-c search_path=read_models' });
  try {
    const { rows: tables } = await pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'read_models' AND table_name <> 'rm_schema_migrations' ORDER BY 1`,
    );
    const result: Record<string, unknown[]> = {};
    for (const { table_name } of tables) {
      const { rows } = await pool.query(`SELECT * FROM ${table_name}`);
      result[table_name] = rows
        .map((row: Record<string, unknown>) => {
          delete row.updated_at;
          return JSON.stringify(row);
        })
        .sort();
    }
    return result;
  } finally {
    await pool.end();
  }
}
