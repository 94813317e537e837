import { addMonths, instantFromQuery, isoMonth, osloMonthOf, osloMonthStart, toOsloLocal } from './oslo-time';

describe('Oslo time', () => {
  const intl = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Oslo', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const viaIntl = (instant: Date) => {
    const p = Object.fromEntries(intl.formatToParts(instant).map((part) => [part.type, Number(part.value)]));
    return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second, millisecond: instant.getUTCMilliseconds() };
  };

  it('agrees with the time zone database minute by minute around both daylight saving switches', () => {
    for (const switchAt of ['2025-03-30T01:00:00Z', '2025-10-26T01:00:00Z', '2024-03-31T01:00:00Z', '2030-10-27T01:00:00Z']) {
      for (let minutes = -90; minutes <= 90; minutes += 1) {
        const instant = new Date(Date.parse(switchAt) + minutes * 60_000 + 999);
        expect(toOsloLocal(instant)).toEqual(viaIntl(instant));
      }
    }
  });

  it('agrees with the time zone database across a decade of random instants', () => {
    let seed = 7;
    for (let i = 0; i < 5_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const instant = new Date(Date.parse('2020-01-01T00:00:00Z') + (seed / 2 ** 31) * 10 * 365 * 86_400_000);
      expect(toOsloLocal(instant)).toEqual(viaIntl(instant));
    }
  });

  it('counts calendar months as Oslo does', () => {
    // 23:30 UTC on 31 March is already April in Oslo (summer time, UTC+2).
    expect(isoMonth(osloMonthOf(new Date('2025-03-31T23:30:00Z')))).toBe('2025-04');
    expect(osloMonthStart({ year: 2025, month: 4 }).toISOString()).toBe('2025-03-31T22:00:00.000Z');
    expect(osloMonthStart({ year: 2025, month: 1 }).toISOString()).toBe('2024-12-31T23:00:00.000Z');
    expect(addMonths({ year: 2025, month: 12 }, 1)).toEqual({ year: 2026, month: 1 });
    expect(addMonths({ year: 2025, month: 1 }, -1)).toEqual({ year: 2024, month: 12 });
  });

  it('reads a bare date in a query as the start of that Oslo day, and a date-time as given', () => {
    expect(instantFromQuery('2025-07-01').toISOString()).toBe('2025-06-30T22:00:00.000Z');
    expect(instantFromQuery('2025-01-15').toISOString()).toBe('2025-01-14T23:00:00.000Z');
    expect(instantFromQuery('2025-07-01T12:00:00+02:00').toISOString()).toBe('2025-07-01T10:00:00.000Z');
  });
});
