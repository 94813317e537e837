import type { CursorSigner } from '@bistand/http/cursor-signer';
import { UUID } from '@bistand/http/patterns';
import { ProblemException } from '@bistand/http/problem';

/**
 * Opaque keyset cursors: the sort key of the last row of a page, signed for one list and one set of
 * filters. A cursor that is malformed, edited, or taken from another list or filter set is a 400
 * naming `cursor` (PRODUCT.md §6), never a query with values the client chose.
 */
export interface CursorKind {
  /** The list the cursor belongs to, e.g. `breaches`. */
  list: string;
  /** What each part of the sort key is: checked again after the signature, as a second line. */
  parts: readonly CursorPart[];
}

export type CursorPart = 'instant' | 'uuid';

/** The query's filters as the cursor is bound to them: everything but the cursor and the page size. */
export type CursorFilters = Record<string, unknown>;

export function encodeCursor(signer: CursorSigner, kind: CursorKind, filters: CursorFilters, key: string[]): string {
  return signer.sign(cursorContext(kind, filters), JSON.stringify(key));
}

export function decodeCursor(signer: CursorSigner, kind: CursorKind, filters: CursorFilters, cursor: string | undefined): string[] | undefined {
  if (cursor === undefined) return undefined;
  const payload = signer.open(cursorContext(kind, filters), cursor);
  if (payload === undefined) throw invalidCursor('cursor must be the nextCursor of a previous page of this list, with the same filters');
  try {
    const key: unknown = JSON.parse(payload);
    if (Array.isArray(key) && key.length === kind.parts.length && key.every((value, index) => isPart(kind.parts[index], value))) return key as string[];
  } catch {
    // fall through to the 400 below
  }
  throw invalidCursor('cursor is not a valid position in this list');
}

/** The context a cursor is signed for: the list and its filters in a canonical order. */
function cursorContext(kind: CursorKind, filters: CursorFilters): string {
  const canonical = Object.keys(filters)
    .filter((name) => name !== 'cursor' && name !== 'limit' && filters[name] !== undefined)
    .sort()
    .map((name) => [name, filters[name]]);
  return `${kind.list}\n${JSON.stringify(canonical)}`;
}

function isPart(part: CursorPart | undefined, value: unknown): boolean {
  if (typeof value !== 'string') return false;
  switch (part) {
    case 'instant':
      return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value) && !Number.isNaN(Date.parse(value));
    case 'uuid':
      return UUID.test(value);
    case undefined:
      return false;
    default: {
      const unknown: never = part;
      return unknown;
    }
  }
}

function invalidCursor(message: string): ProblemException {
  return new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: cursor', { errors: [{ field: 'cursor', message }] });
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** A cursor is about 150 characters; anything far longer is not one of ours. */
export const MAX_CURSOR_LENGTH = 1_024;
