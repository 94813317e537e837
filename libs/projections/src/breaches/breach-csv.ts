import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { BreachView } from './breach-register';

const CSV_COLUMNS: (keyof BreachView)[] = ['id', 'requestId', 'type', 'occurredAt', 'recordedAt', 'region', 'municipality', 'urgency', 'placementKind', 'offerId', 'policyVersion', 'retracted', 'retractedAt'];

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/**
 * One cell, RFC 4180 quoted when needed. A cell a spreadsheet would read as a formula (starting
 * with = + - @, or a tab or carriage return that hides one) gets a leading apostrophe: the register
 * is opened in spreadsheets, and a cell must never run as code there (CSV injection).
 */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function breachCsvRows(items: BreachView[]): string {
  return items.map((item) => `${CSV_COLUMNS.map((column) => csvCell(item[column])).join(',')}\r\n`).join('');
}

/** A whole CSV document for one page of breaches: the header row, then the rows. */
export function breachesToCsv(items: BreachView[]): string {
  return CSV_HEADER + breachCsvRows(items);
}

/**
 * Writes the header, then each page as it arrives, waiting for the socket to drain before asking
 * for the next page (backpressure), so a slow client holds one page in memory, not the register.
 * A client that goes away ends the loop, which ends the page reads: nothing is left running.
 * Returns false when the client left before the end.
 */
export async function streamBreachCsv(out: ServerResponse, pages: AsyncGenerator<BreachView[]>): Promise<boolean> {
  const gone = () => out.destroyed || out.writableEnded;
  try {
    // The first page is read before the first byte goes out: a bad filter is still a clean 400.
    const first = await pages.next();
    out.statusCode = 200;
    out.setHeader('Content-Type', 'text/csv; charset=utf-8');
    out.setHeader('Content-Disposition', 'attachment; filename="breaches.csv"');
    if (!(await write(out, CSV_HEADER + (first.done ? '' : breachCsvRows(first.value))))) return false;
    for await (const page of pages) {
      if (gone() || !(await write(out, breachCsvRows(page)))) return false;
    }
    if (gone()) return false;
    out.end();
    return true;
  } finally {
    await pages.return(undefined);
  }
}

/** Writes a chunk; when the buffer is full, waits until it drains or the client goes away. */
async function write(out: ServerResponse, chunk: string): Promise<boolean> {
  if (out.destroyed) return false;
  if (out.write(chunk)) return true;
  // Both listeners go when one fires, so a long stream does not pile up listeners on the socket.
  const settled = new AbortController();
  const until = (event: string, outcome: boolean) =>
    once(out, event, { signal: settled.signal }).then(
      () => outcome,
      () => false,
    );
  try {
    return await Promise.race([until('drain', true), until('close', false)]);
  } finally {
    settled.abort();
  }
}
