import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { describeError } from './parking';
import { isId, metadataInstant, ownId, requiredId, UnappliableEventError } from './unappliable-event';

const A = '3f0c9a4e-5a55-4c1e-9b7a-1d2f3e4a5b6c';
const B = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';

function event(streamId: string, data: unknown, metadata: Record<string, unknown> = {}): RecordedEvent {
  return { streamId, eventId: B, type: 'OfferWithdrawn', data, metadata, revision: 3, position: 42n, recordedAt: new Date('2026-01-01T00:00:00Z') };
}

describe('ids in event data are trusted only within their stream', () => {
  it('accepts the id of the stream the event was recorded in', () => {
    expect(ownId(event(`placement-request-${A}`, { requestId: A }), 'requestId', 'placement-request-')).toBe(A);
  });

  it.each([
    ['another request', { requestId: B }, /does not belong to this stream/],
    ['no id', { offerId: A }, /data.requestId is missing/],
    ['no data object', 'garbage', /data.requestId is missing/],
    ['an id that is no UUID', { requestId: `${A}x` }, /not a UUID/],
  ])('refuses an event naming %s', (_, data, message) => {
    const refuse = () => ownId(event(`placement-request-${A}`, data), 'requestId', 'placement-request-');
    expect(refuse).toThrow(UnappliableEventError);
    expect(refuse).toThrow(message);
  });

  it('names the event, its position and stream in the error (what an operator sees in the parked list)', () => {
    expect(() => requiredId(event(`placement-request-${A}`, { offerId: 'x' }), 'offerId')).toThrow(`OfferWithdrawn at position 42 in placement-request-${A}: data.offerId is not a UUID`);
  });

  it('refuses a metadata instant that is no instant, and falls back when none is given as text', () => {
    const e = event(`placement-request-${A}`, {});
    expect(() => metadataInstant(e, 'yesterday-ish', e.recordedAt)).toThrow(UnappliableEventError);
    expect(metadataInstant(e, undefined, e.recordedAt)).toBe(e.recordedAt);
    expect(metadataInstant(e, '2026-02-03T04:05:06.000Z', e.recordedAt).toISOString()).toBe('2026-02-03T04:05:06.000Z');
  });
});

describe('what the rebuild spares itself never weakens a check', () => {
  it('refuses another stream\'s id even when it is a known one', () => {
    const known = new Map([[A, 1], [B, 2]]);
    expect(() => ownId(event(`placement-request-${A}`, { requestId: B }), 'requestId', 'placement-request-', known)).toThrow(/does not belong to this stream/);
    expect(ownId(event(`placement-request-${A}`, { requestId: A }), 'requestId', 'placement-request-', known)).toBe(A);
  });

  it('still refuses an id that is no UUID when its stream is named after it, and it is not known', () => {
    const notUuid = 'not-a-uuid-but-the-streams-own-name';
    expect(() => ownId(event(`placement-request-${notUuid}`, { requestId: notUuid }), 'requestId', 'placement-request-', new Map([[A, 1]]))).toThrow(/not a UUID/);
    expect(() => ownId(event(`placement-request-x${A}`, { requestId: A }), 'requestId', 'placement-request-')).toThrow(/does not belong to this stream/);
    expect(() => ownId(event(`placement-request-${A}`, { requestId: `x${A}` }), 'requestId', 'placement-request-')).toThrow(/not a UUID/);
  });

  it.each([
    [A, true],
    [A.toUpperCase(), true],
    [`${A}\n`, false],
    [A.slice(1), false],
    [`${A.slice(0, 8)}x${A.slice(9)}`, false],
    [A.replace(/-/g, ''), false],
    [`${A.slice(0, 8)}${A.slice(9, 10)}-${A.slice(10)}`, false],
    [`${A.slice(0, 35)}g`, false],
    [42, false],
  ])('tells a UUID from anything else: %j is one: %s', (value, expected) => {
    expect(isId(value)).toBe(expected);
  });

  it('parses each instant for itself: a repeated text gives an equal but separate Date, a bad one after a good one is refused', () => {
    const e = event(`placement-request-${A}`, {});
    const first = metadataInstant(e, '2026-02-03T04:05:06.000Z', e.recordedAt);
    const again = metadataInstant(e, '2026-02-03T04:05:06.000Z', e.recordedAt);
    expect(again).not.toBe(first);
    first.setTime(0);
    expect(metadataInstant(e, '2026-02-03T04:05:06.000Z', e.recordedAt).toISOString()).toBe('2026-02-03T04:05:06.000Z');
    expect(metadataInstant(e, '2026-02-04T00:00:00.000Z', e.recordedAt).toISOString()).toBe('2026-02-04T00:00:00.000Z');
    expect(() => metadataInstant(e, '2026-02-31T99:00:00Z', e.recordedAt)).toThrow(UnappliableEventError);
  });
});

describe('the error stored with a parked event', () => {
  it('never holds an identity number, even when the event or the database quoted one', () => {
    // Synthetic, with valid check digits (test/support/identity-numbers.ts, seed 1): never a real person's.
    const text = describeError(new Error('invalid input syntax for type uuid: "24079500077"'));
    expect(text).not.toContain('24079500077');
    expect(text).toContain('invalid input syntax for type uuid');
  });
});
