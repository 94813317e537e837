/**
 * Calendar arithmetic in Europe/Oslo, where working days and "the same time of day" are counted.
 * Uses the platform's time zone data (Intl), so daylight saving changes are handled.
 */
const TIME_ZONE = 'Europe/Oslo';

const formatter = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

export function toOsloLocal(instant: Date): LocalDateTime {
  const local = new Date(instant.getTime() + osloOffsetMs(instant.getTime()));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
  };
}

const HOUR_MS = 3_600_000;
const offsets = new Map<number, number>();

/**
 * Oslo's offset from UTC at an instant. It changes only on whole UTC hours (the daylight saving
 * switches are at 01:00 UTC), so it is asked of Intl once per hour and remembered: Intl's
 * formatting was the projections' largest cost in a rebuild.
 */
function osloOffsetMs(epochMs: number): number {
  const hour = Math.floor(epochMs / HOUR_MS);
  let offset = offsets.get(hour);
  if (offset === undefined) {
    const parts = Object.fromEntries(formatter.formatToParts(new Date(hour * HOUR_MS)).map((part) => [part.type, part.value]));
    offset = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second)) - hour * HOUR_MS;
    if (offsets.size > 200_000) offsets.clear();
    offsets.set(hour, offset);
  }
  return offset;
}

/** The instant at which Oslo's wall clock shows `local` (the first one, in the autumn's repeated hour). */
export function fromOsloLocal(local: LocalDateTime): Date {
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second, local.millisecond);
  for (const offsetHours of [2, 1]) {
    const candidate = new Date(asUtc - offsetHours * 3_600_000);
    const back = toOsloLocal(candidate);
    if (back.hour === local.hour && back.day === local.day && back.minute === local.minute) return candidate;
  }
  // The spring-forward gap (02:00–03:00 does not exist): take the instant an hour later on the wall clock.
  return new Date(asUtc - 3_600_000);
}

/** The calendar date `days` after the given one (proleptic Gregorian, no time zone involved). */
export function addCalendarDays(date: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

export function isoDate(date: { year: number; month: number; day: number }): string {
  return `${date.year}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** A calendar month, as Oslo counts it. */
export interface CalendarMonth {
  year: number;
  month: number;
}

export function osloMonthOf(instant: Date): CalendarMonth {
  const { year, month } = toOsloLocal(instant);
  return { year, month };
}

/** The instant an Oslo calendar day begins (its midnight). */
export function osloDayStart(date: { year: number; month: number; day: number }): Date {
  return fromOsloLocal({ year: date.year, month: date.month, day: date.day, hour: 0, minute: 0, second: 0, millisecond: 0 });
}

/** The Oslo calendar day an instant falls on. */
export function osloDayOf(instant: Date): { year: number; month: number; day: number } {
  const { year, month, day } = toOsloLocal(instant);
  return { year, month, day };
}

/** The instant Oslo's month begins (midnight of its first day). */
export function osloMonthStart({ year, month }: CalendarMonth): Date {
  return osloDayStart({ year, month, day: 1 });
}

export function addMonths({ year, month }: CalendarMonth, months: number): CalendarMonth {
  const index = year * 12 + (month - 1) + months;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** `YYYY-MM` */
export function isoMonth({ year, month }: CalendarMonth): string {
  return `${year}-${String(month).padStart(2, '0')}`;
}

/**
 * An instant from a query parameter: a date-time with its offset as given, a bare date
 * (`2025-03-01`) as the start of that day in Oslo, which is what a Norwegian caller means by it.
 */
export function instantFromQuery(value: string): Date {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!date) return new Date(value);
  return osloDayStart({ year: Number(date[1]), month: Number(date[2]), day: Number(date[3]) });
}
