import type { RecordedEvent } from '@bistand/event-store/event-store.port';
import { describeError } from './parking';
import { metadataInstant, ownId, requiredId, UnappliableEventError } from './unappliable-event';

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

describe('the error stored with a parked event', () => {
  it('never holds an identity number, even when the event or the database quoted one', () => {
    // Synthetic, with valid check digits (test/support/identity-numbers.ts, seed 1): never a real person's.
    const text = describeError(new Error('invalid input syntax for type uuid: "24079500077"'));
    expect(text).not.toContain('24079500077');
    expect(text).toContain('invalid input syntax for type uuid');
  });
});
