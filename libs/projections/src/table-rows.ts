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
const ROWS_PER_CHUNK = 1_000;

/** Rows going into a table while the caller goes on. */
export interface RowStream {
  /** Adds a row (an object keyed by the shape's column names); it is sent as the event loop turns. */
  push(row: object): void;
  /** Ends the stream and resolves once every row is in the table. */
  end(): Promise<void>;
}

/** A COPY in progress, which can also be given up. */
export interface CopyStream extends RowStream {
  /** Cancels the COPY (nothing of it stays) and closes its connection. */
  abort(error: Error): void;
}

/**
 * Opens a COPY into a table, on a connection of its own: a rebuild writes whole tables, side by
 * side and while it still folds events, and COPY's text format is the cheapest way in, for
 * PostgreSQL and for us.
 */
export function openCopy(pool: Pool, shape: RowShape): CopyStream {
  const names = Object.keys(shape.columns);
  const kinds = names.map((name) => cellKind(shape.columns[name]));
  const source = new Readable({ read: () => undefined });
  source.on('error', () => undefined); // an abort before the COPY started: end() reports it
  let text = '';
  let buffered = 0;
  const flush = () => {
    if (buffered === 0) return;
    source.push(text);
    text = '';
    buffered = 0;
  };
  const copied = (async () => {
    const client = await pool.connect();
    try {
      await pipeline(source, client.query(copyFrom(`COPY ${shape.table} (${names.join(', ')}) FROM STDIN`)));
    } catch (error) {
      client.release(error as Error); // the connection is closed, not pooled mid-COPY
      throw error;
    }
    client.release();
  })();
  copied.catch(() => undefined); // observed by end()
  return {
    push(row) {
      const values = row as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) text += (i === 0 ? '' : '\t') + copyCell(kinds[i], values[names[i]]);
      text += '\n';
      if (++buffered === ROWS_PER_CHUNK) flush();
    },
    async end() {
      flush();
      source.push(null);
      await copied;
    },
    abort(error) {
      source.destroy(error);
    },
  };
}

/** Writes `rows` into an empty table with one COPY, letting each chunk go out before formatting the next. */
export async function copyAll(pool: Pool, shape: RowShape, rows: readonly object[]): Promise<void> {
  const copy = openCopy(pool, shape);
  try {
    for (let i = 0; i < rows.length; i++) {
      copy.push(rows[i]);
      if (i % ROWS_PER_CHUNK === ROWS_PER_CHUNK - 1) await new Promise(setImmediate);
    }
  } catch (error) {
    copy.abort(error as Error);
    throw error;
  }
  await copy.end();
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
