import { splitIntoDays, splitIntoMonths } from './breach-stats';

describe('splitting a statistics range into whole Oslo months and ragged edges', () => {
  const at = (iso: string) => new Date(iso);

  it('reads whole months only when the range starts and ends on Oslo month starts', () => {
    // 1 March and 1 September 2025, Oslo midnight.
    expect(splitIntoMonths(at('2025-02-28T23:00:00Z'), at('2025-08-31T22:00:00Z'))).toEqual({ months: { first: '2025-03-01', end: '2025-09-01' }, rest: [] });
  });

  it('counts the days before the first and after the last whole month from the rows', () => {
    expect(splitIntoMonths(at('2025-03-15T10:00:00Z'), at('2025-07-20T00:00:00Z'))).toEqual({
      months: { first: '2025-04-01', end: '2025-07-01' },
      rest: [
        [at('2025-03-15T10:00:00Z'), at('2025-03-31T22:00:00Z')],
        [at('2025-06-30T22:00:00Z'), at('2025-07-20T00:00:00Z')],
      ],
    });
  });

  it('treats midnight UTC on the 1st as a ragged edge: Oslo is an hour or two ahead', () => {
    const split = splitIntoMonths(at('2025-04-01T00:00:00Z'), null);
    expect(split.months).toEqual({ first: '2025-05-01', end: undefined });
    expect(split.rest).toEqual([[at('2025-04-01T00:00:00Z'), at('2025-04-30T22:00:00Z')]]);
  });

  it('leaves open ends open, and a range inside one month to the rows', () => {
    expect(splitIntoMonths(null, null)).toEqual({ months: { first: undefined, end: undefined }, rest: [] });
    expect(splitIntoMonths(null, at('2025-06-10T08:00:00Z'))).toEqual({ months: { first: undefined, end: '2025-06-01' }, rest: [[at('2025-05-31T22:00:00Z'), at('2025-06-10T08:00:00Z')]] });
    expect(splitIntoMonths(at('2025-05-03T10:00:00Z'), at('2025-05-21T12:00:00Z'))).toEqual({ months: null, rest: [[at('2025-05-03T10:00:00Z'), at('2025-05-21T12:00:00Z')]] });
    expect(splitIntoMonths(at('2025-05-03T10:00:00Z'), at('2025-05-03T10:00:00Z'))).toEqual({ months: null, rest: [] });
  });
});

describe('splitting an edge of a range into whole Oslo days and parts of days', () => {
  const at = (iso: string) => new Date(iso);

  it('reads whole days from the daily table and the hours at either end from the rows', () => {
    // 15 March 10:17 UTC to 31 March Oslo midnight (summer time starts on 30 March 2025).
    expect(splitIntoDays(at('2025-03-15T10:17:00Z'), at('2025-03-31T22:00:00Z'))).toEqual({
      days: { first: '2025-03-16', end: '2025-04-01' },
      partial: [[at('2025-03-15T10:17:00Z'), at('2025-03-15T23:00:00Z')]],
    });
    expect(splitIntoDays(at('2025-04-30T22:00:00Z'), at('2025-05-24T11:00:00Z'))).toEqual({
      days: { first: '2025-05-01', end: '2025-05-24' },
      partial: [[at('2025-05-23T22:00:00Z'), at('2025-05-24T11:00:00Z')]],
    });
  });

  it('leaves a range within one or two days to the rows', () => {
    expect(splitIntoDays(at('2025-05-03T10:00:00Z'), at('2025-05-04T09:00:00Z'))).toEqual({ days: null, partial: [[at('2025-05-03T10:00:00Z'), at('2025-05-04T09:00:00Z')]] });
  });
});
