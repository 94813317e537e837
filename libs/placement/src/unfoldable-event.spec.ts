import { requireShape, shape, UnfoldableEventError } from './unfoldable-event';

// The shape check reads dates and lists character by character (it runs for every event of a
// rebuild): these pin it to the rules it had as a RegExp and `every`.
describe('an event field of kind date holds an ISO 8601 date or date-time', () => {
  const dated = shape({ at: 'date' });
  const fits = (at: unknown) => {
    try {
      requireShape('Dated', { at }, dated);
      return true;
    } catch (error) {
      if (error instanceof UnfoldableEventError) return false;
      throw error;
    }
  };

  it.each(['2026-03-01', '2026-03-01T10:00', '2026-03-01T10:00:00Z', '2026-03-01T10:00:00.123+01:00'])('accepts %j', (at) => {
    expect(fits(at)).toBe(true);
  });

  it.each(['', '2026-3-01', '2026-03-01 10:00', '2026-03-01T', '2026-03-01T10:0', '2026-03-01T1000', '2026-03-01Z', '2026-03-01\n', '20260301', '２０２６-03-01', 'yesterday', 20260301, null])(
    'refuses %j',
    (at) => {
      expect(fits(at)).toBe(false);
    },
  );
});

describe('an event field of kind string[] holds only strings', () => {
  const listed = shape({ groups: 'string[]' });
  it('accepts an empty list and a list of strings, and refuses anything else in it', () => {
    expect(() => requireShape('Listed', { groups: [] }, listed)).not.toThrow();
    expect(() => requireShape('Listed', { groups: ['acute', 'youth'] }, listed)).not.toThrow();
    expect(() => requireShape('Listed', { groups: ['acute', 3] }, listed)).toThrow('data.groups is an array, not string[]');
    expect(() => requireShape('Listed', { groups: 'acute' }, listed)).toThrow(UnfoldableEventError);
  });
});
