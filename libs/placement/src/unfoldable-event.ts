/**
 * An event its stream's fold cannot apply: malformed data, a type the stream's model does not
 * know, or a fact that is impossible in the state the stream is in (PRODUCT.md §9). The fold
 * refuses it instead of turning garbage into a plausible-looking state; the write side answers
 * the stream with 503 `STREAM.UNREADABLE`, projections park it.
 */
export class UnfoldableEventError extends Error {
  constructor(
    readonly eventType: string,
    readonly reason: string,
  ) {
    super(`cannot fold ${eventType}: ${reason}`);
  }
}

/** What a field must hold: a kind of value, or one of a list of strings. `string?` may be absent. */
export type FieldKind = 'string' | 'date' | 'number' | 'integer' | 'boolean' | 'string[]' | 'string?' | 'point' | readonly string[];

/**
 * A shape prepared once per event type: field names and kinds in parallel arrays, so the check
 * per event is a few property reads and comparisons (the rebuild folds 200k events through it).
 */
export interface Shape {
  readonly fields: readonly string[];
  readonly kinds: readonly FieldKind[];
}

export function shape(fields: Readonly<Record<string, FieldKind>>): Shape {
  return { fields: Object.keys(fields), kinds: Object.values(fields) };
}

/** Throws UnfoldableEventError naming the first field of `data` that does not fit `expected`. */
export function requireShape(type: string, data: unknown, expected: Shape): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new UnfoldableEventError(type, 'data is not an object');
  const record = data as Record<string, unknown>;
  const { fields, kinds } = expected;
  for (let i = 0; i < fields.length; i++) {
    const value = record[fields[i]];
    const kind = kinds[i];
    if (!fits(value, kind)) throw new UnfoldableEventError(type, `data.${fields[i]} is ${describe(value)}, not ${typeof kind === 'string' ? kind : `one of ${kind.join(', ')}`}`);
  }
}

/**
 * An ISO 8601 date or date-time as the commands write them (`YYYY-MM-DD`, or that, `T`, `hh:mm` and
 * anything after): cheaper than Date.parse, and enough to keep `Invalid Date` out of a state.
 * Read character by character rather than with a RegExp: several dates per event, 200k events.
 */
function isIsoDate(value: string): boolean {
  const n = value.length;
  if (n !== 10 && (n < 16 || value.charCodeAt(10) !== 84 /* T */ || !digits(value, 11, 13) || value.charCodeAt(13) !== 58 /* : */ || !digits(value, 14, 16))) return false;
  return digits(value, 0, 4) && value.charCodeAt(4) === 45 /* - */ && digits(value, 5, 7) && value.charCodeAt(7) === 45 && digits(value, 8, 10);
}

/** Whether `value[from, to)` are all ASCII digits. */
function digits(value: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function fits(value: unknown, kind: FieldKind): boolean {
  switch (kind) {
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'string?':
      return value === undefined || typeof value === 'string';
    case 'date':
      return typeof value === 'string' && isIsoDate(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'string[]':
      if (!Array.isArray(value)) return false;
      for (const item of value) if (typeof item !== 'string') return false;
      return true;
    case 'point': {
      const point = value as { lat?: unknown; lon?: unknown } | null;
      return typeof point === 'object' && point !== null && Number.isFinite(point.lat) && Number.isFinite(point.lon);
    }
    default:
      return typeof value === 'string' && kind.includes(value);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
