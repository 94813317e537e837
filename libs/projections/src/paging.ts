import { ProblemException } from '@bistand/http/problem';

/** Opaque keyset cursors: the sort key of the last row of a page, base64url-encoded. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, size: number): string[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === size && parts.every((part) => typeof part === 'string')) return parts as string[];
  } catch {
    // fall through to the 400 below
  }
  throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: cursor', {
    errors: [{ field: 'cursor', message: 'cursor must be a nextCursor value from a previous page' }],
  });
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
