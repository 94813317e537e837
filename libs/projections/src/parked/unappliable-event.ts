import type { RecordedEvent } from '@bistand/event-store/event-store.port';

/**
 * An event a projection cannot apply consistently: it names an entity of another stream, or an
 * offer its request never made, or lacks what its type promises. Thrown before the projection
 * changes anything, so the projector (and a rebuild) parks the event (PRODUCT.md §9) rather than
 * mis-apply it, or fail later on a row the database refuses.
 */
export class UnappliableEventError extends Error {
  constructor(event: Pick<RecordedEvent, 'type' | 'streamId' | 'position'>, reason: string) {
    super(`${event.type} at position ${event.position} in ${event.streamId}: ${reason}`);
    this.name = 'UnappliableEventError';
  }
}

/** Ids go into uuid columns: anything else would fail there (and only there: in a rebuild's COPY, for the whole rebuild). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id an event's data says it is about, checked against the stream it was recorded in: ids in
 * event data are trusted only as far as the stream that holds them, so one request's (or
 * facility's) events can never change another's rows.
 */
export function ownId(event: RecordedEvent, field: string, streamPrefix: string): string {
  const id = requiredId(event, field);
  if (event.streamId !== `${streamPrefix}${id}`) throw new UnappliableEventError(event, `data.${field} ${id} does not belong to this stream`);
  return id;
}

/** A string field the event's type requires. */
export function requiredString(event: RecordedEvent, field: string): string {
  const data = event.data;
  const value = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || value.length === 0) throw new UnappliableEventError(event, `data.${field} is missing`);
  return value;
}

/** Whether a value can be an id (a UUID): what may be looked up in a uuid column. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** An id field (a UUID) the event's type requires. */
export function requiredId(event: RecordedEvent, field: string): string {
  const id = requiredString(event, field);
  if (!isId(id)) throw new UnappliableEventError(event, `data.${field} is not a UUID`);
  return id;
}

/** An instant the event's metadata gives as text (else `fallback`), which must be a real one. */
export function metadataInstant(event: RecordedEvent, text: unknown, fallback: Date): Date {
  if (typeof text !== 'string') return fallback;
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new UnappliableEventError(event, `metadata holds ${JSON.stringify(text)} where an instant belongs`);
  return at;
}
