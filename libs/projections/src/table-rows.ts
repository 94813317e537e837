import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/** A table's columns and their SQL types, in the order rows are written. */
export interface RowShape {
  table: string;
  columns: Readonly<Record<string, string>>;
}

/**
 * `INSERT INTO table (columns) SELECT ... FROM json_to_recordset($1)`, optionally followed by an
 * ON CONFLICT clause. Rows travel as one JSON document: one native JSON.stringify instead of
 * escaping every element of a dozen arrays.
 */
export function insertFromJson({ table, columns }: RowShape, onConflict = ''): string {
  const names = Object.keys(columns);
  const types = Object.entries(columns).map(([name, type]) => `${name} ${type}`);
  return `INSERT INTO ${table} (${names.join(', ')}) SELECT ${names.join(', ')} FROM json_to_recordset($1::json) AS r (${types.join(', ')}) ${onConflict}`;
}

/** The same shape with more columns (a rebuild writes marks the live path sets by UPDATE). */
export function withColumns(shape: RowShape, columns: Readonly<Record<string, string>>): RowShape {
  return { table: shape.table, columns: { ...shape.columns, ...columns } };
}

/** Rows per chunk of COPY data handed to the socket. */
const ROWS_PER_CHUNK = 2_000;

/**
 * Writes `rows` (objects keyed by the shape's column names) into an empty table with COPY, on a
 * connection of its own: a rebuild writes whole tables at once, side by side, and COPY's text
 * format is the cheapest way in, for PostgreSQL and for us.
 */
export async function copyAll(pool: Pool, shape: RowShape, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(shape.columns);
  const kinds = names.map((name) => cellKind(shape.columns[name]));
  function* chunks(): Generator<string> {
    for (let start = 0; start < rows.length; start += ROWS_PER_CHUNK) {
      let text = '';
      for (const row of rows.slice(start, start + ROWS_PER_CHUNK) as Record<string, unknown>[]) {
        for (let i = 0; i < names.length; i++) text += (i === 0 ? '' : '\t') + copyCell(kinds[i], row[names[i]]);
        text += '\n';
      }
      yield text;
    }
  }
  const client = await pool.connect();
  try {
    await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${shape.table} (${names.join(', ')}) FROM STDIN`)));
  } finally {
    client.release();
  }
}

/** How a column's values are spelled: `plain` types (uuid, numbers) have nothing COPY would read as special, or are rejected by their type's input if they do. */
type CellKind = 'plain' | 'text' | 'instant' | 'boolean' | 'json' | 'array';

function cellKind(type: string): CellKind {
  if (type === 'timestamptz') return 'instant';
  if (type === 'boolean') return 'boolean';
  if (type === 'jsonb' || type === 'json') return 'json';
  if (type.endsWith('[]')) return 'array';
  return ['uuid', 'int', 'bigint', 'float8'].includes(type) ? 'plain' : 'text';
}

/** A value in COPY's text format (`\N` for null). */
function copyCell(kind: CellKind, value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  switch (kind) {
    case 'plain':
      return String(value);
    case 'instant':
      return (value as Date).toISOString();
    case 'boolean':
      return value ? 't' : 'f';
    case 'json':
      return copyText(JSON.stringify(value));
    case 'array':
      return copyText(`{${(value as unknown[]).map((element) => `"${String(element).replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
    case 'text':
      return copyText(String(value));
  }
}

const COPY_SPECIAL = /[\\\n\r\t]/;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes the characters COPY's text format gives a meaning. */
function copyText(text: string): string {
  return COPY_SPECIAL.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => COPY_ESCAPES[c]) : text;
}
