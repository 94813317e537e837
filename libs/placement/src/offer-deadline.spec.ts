import { DEFAULT_BREACH_POLICY } from './breach-policy';
import { neededByInstant, offerDeadline } from './offer-deadline';
import { fromOsloLocal, toOsloLocal } from './oslo-time';

const policy = DEFAULT_BREACH_POLICY;

describe('offer deadline', () => {
  it('is 2 hours after the request for an acute request', () => {
    const deadline = offerDeadline({ urgency: 'acute', requestedAt: new Date('2025-03-03T08:00:00+01:00'), neededBy: '2025-03-03T12:00:00+01:00' }, policy);
    expect(deadline.toISOString()).toBe('2025-03-03T09:00:00.000Z');
  });

  it('is the same time on the 10th working day for a planned request (Mon 3 Mar 2025 10:00 → Mon 17 Mar 10:00)', () => {
    const deadline = offerDeadline({ urgency: 'planned', requestedAt: new Date('2025-03-03T10:00:00+01:00'), neededBy: '2025-03-05' }, policy);
    expect(deadline.toISOString()).toBe('2025-03-17T09:00:00.000Z');
  });

  it('skips Norwegian public holidays: Easter 2025 (Thu 17, Fri 18, Mon 21 Apr)', () => {
    // Request Wed 9 Apr 2025 09:00. Working days: 10, 11, 14, 15, 16, 22, 23, 24, 25, 28 Apr → Mon 28 Apr.
    const deadline = offerDeadline({ urgency: 'planned', requestedAt: new Date('2025-04-09T09:00:00+02:00'), neededBy: '2025-04-10' }, policy);
    expect(deadline.toISOString()).toBe('2025-04-28T07:00:00.000Z');
  });

  it('keeps the Oslo time of day across the change to summer time', () => {
    // Request Mon 24 Mar 2025 10:00 CET; 10 working days later is Mon 7 Apr 2025, 10:00 CEST.
    const deadline = offerDeadline({ urgency: 'planned', requestedAt: new Date('2025-03-24T10:00:00+01:00'), neededBy: '2025-03-25' }, policy);
    expect(deadline.toISOString()).toBe('2025-04-07T08:00:00.000Z');
  });

  it('is neededBy when that is later than the 10th working day', () => {
    const deadline = offerDeadline({ urgency: 'planned', requestedAt: new Date('2025-03-03T10:00:00+01:00'), neededBy: '2025-06-01T12:00:00+02:00' }, policy);
    expect(deadline.toISOString()).toBe('2025-06-01T10:00:00.000Z');
  });

  it('reads a bare neededBy date as the whole of that day in Oslo', () => {
    expect(neededByInstant('2025-07-01').toISOString()).toBe('2025-07-01T22:00:00.000Z');
    expect(neededByInstant('2025-01-01').toISOString()).toBe('2025-01-01T23:00:00.000Z');
  });
});

describe('Oslo wall clock', () => {
  it('round-trips an instant in winter and summer', () => {
    for (const iso of ['2025-01-15T12:34:56.000Z', '2025-07-15T12:34:56.000Z']) {
      expect(fromOsloLocal(toOsloLocal(new Date(iso))).toISOString()).toBe(iso);
    }
  });
});
