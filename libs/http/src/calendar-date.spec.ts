import { isCalendarDate } from './calendar-date';

describe('calendar dates', () => {
  it.each(['2025-03-03', '2024-02-29', '2025-12-31', '2025-03-03T08:00+01:00', '2025-03-03T23:59:59.123456Z', '2025-03-30T02:30:00+02:00', '1900-01-01', '2199-12-31'])('accepts %s', (text) => {
    expect(isCalendarDate(text)).toBe(true);
  });

  it.each([
    ['30 February', '2025-02-30'],
    ['29 February of a common year', '2025-02-29'],
    ['29 February 1900 (not a leap year)', '1900-02-29'],
    ['31 April', '2025-04-31T10:00:00Z'],
    ['month 0', '2025-00-10'],
    ['month 13', '2025-13-10'],
    ['day 0', '2025-01-00'],
    ['hour 24', '2025-01-01T24:00:00Z'],
    ['minute 60', '2025-01-01T10:60Z'],
    ['second 60', '2025-01-01T10:00:60Z'],
    ['an offset of 19 hours', '2025-01-01T10:00:00+19:00'],
    ['an offset minute of 60', '2025-01-01T10:00:00+01:60'],
    ['a date-time without offset', '2025-01-01T10:00:00'],
    ['a year before 1900', '1899-12-31'],
    ['a year after 2199', '2200-01-01'],
    ['a number', 20250101],
    ['text around a date', ' 2025-01-01'],
  ])('refuses %s', (_, text) => {
    expect(isCalendarDate(text)).toBe(false);
  });

  it('refuses a bare date where a date-time is required', () => {
    expect(isCalendarDate('2025-03-03', 'date-time')).toBe(false);
    expect(isCalendarDate('2025-03-03T00:00:00Z', 'date-time')).toBe(true);
  });
});
