import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
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

/**
 * Rows are sent in COPYs of at most this many rows or bytes of COPY text, each whole once formed:
 * a COPY holds a transaction id from its first row to its end, and every subscriber of the event
 * store in the cluster waits for the oldest open transaction id (see es_visible_bound). A COPY
 * that only starts once its rows are all at hand lasts as long as the server takes to store them
 * (milliseconds), not as long as the rebuild takes to produce them.
 */
export const COPY_CHUNK_ROWS = 5_000;
export const COPY_CHUNK_BYTES = 1 << 20;

/** Rows going into a table while the caller goes on. */
export interface RowStream {
  /** Adds a row (an object keyed by the shape's column names); it is sent as the event loop turns. */
  push(row: object): void;
  /** Ends the stream and resolves once every row is in the table. */
  end(): Promise<void>;
}

/** Rows going into a table, which can also be given up. */
export interface CopyStream extends RowStream {
  /** Sends no more rows and cancels the COPY in flight (rows of COPYs already ended stay) and closes its connection. */
  abort(error: Error): void;
}

/**
 * Writes rows into a table with COPY: a rebuild writes whole tables, side by side and while it
 * still folds events, and COPY's text format is the cheapest way in, for PostgreSQL and for us.
 * The rows go out in a series of short COPYs, one after the other, each committed on its own
 * (COPY_CHUNK_ROWS, COPY_CHUNK_BYTES): only a table nobody reads yet may be written this way, since
 * a failure leaves the rows of the COPYs already ended in it.
 */
export function openCopy(pool: Pool, shape: RowShape): CopyStream {
  const names = Object.keys(shape.columns);
  const kinds = names.map((name) => cellKind(shape.columns[name]));
  const sql = `COPY ${shape.table} (${names.join(', ')}) FROM STDIN`;
  let failure: Error | undefined;
  let inFlight: Readable | undefined;
  /** The COPYs so far, one after the other: a table takes one connection at a time. */
  let sent: Promise<void> = Promise.resolve();
  let text = '';
  let buffered = 0;

  /** One COPY of `data`; never throws (end() reports the first failure), so the chain of COPYs never holds a rejected promise. */
  const copy = async (data: string) => {
    if (failure) return;
    let client: PoolClient | undefined;
    const source = Readable.from([data], { objectMode: false });
    inFlight = source;
    try {
      client = await pool.connect();
      await pipeline(source, client.query(copyFrom(sql)));
      client.release();
    } catch (error) {
      client?.release(error as Error); // the connection is closed, not pooled mid-COPY
      failure ??= error as Error;
    } finally {
      if (inFlight === source) inFlight = undefined;
    }
  };
  const send = () => {
    if (buffered === 0) return;
    const data = text;
    text = '';
    buffered = 0;
    sent = sent.then(() => copy(data));
  };
  return {
    push(row) {
      const values = row as Record<string, unknown>;
      for (let i = 0; i < names.length; i++) text += (i === 0 ? '' : '\t') + copyCell(kinds[i], values[names[i]]);
      text += '\n';
      if (++buffered >= COPY_CHUNK_ROWS || text.length >= COPY_CHUNK_BYTES) send();
    },
    async end() {
      send();
      await sent;
      if (failure) throw failure;
    },
    abort(error) {
      failure ??= error;
      text = '';
      buffered = 0;
      inFlight?.destroy(error);
    },
  };
}

/** Rows formatted between turns of the event loop. */
const ROWS_PER_TURN = 1_000;

/** Writes `rows` into an empty table (in short COPYs, see openCopy), letting each chunk go out before formatting the next. */
export async function copyAll(pool: Pool, shape: RowShape, rows: readonly object[]): Promise<void> {
  const copy = openCopy(pool, shape);
  try {
    for (let i = 0; i < rows.length; i++) {
      copy.push(rows[i]);
      if (i % ROWS_PER_TURN === ROWS_PER_TURN - 1) await new Promise(setImmediate);
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
