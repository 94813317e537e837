import { ValidateBy, type ValidationOptions } from 'class-validator';

/**
 * Dates as clients write them (PRODUCT.md §6): the pattern alone lets `2025-02-30`, `T25:00` or an
 * offset of `+99:00` through, and JavaScript's parser silently rolls such a day into the next month.
 * These checks make every date a real calendar date, so it is refused with a 400 naming the field.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2})))?$/;

/** Business dates before 1900 or after 2199 are typing errors, and would make deadline arithmetic run across centuries. */
export const EARLIEST_YEAR = 1900;
export const LATEST_YEAR = 2199;

export type DateForm = 'date-or-date-time' | 'date-time';

/** True when `text` is an ISO 8601 date (when allowed) or date-time with offset that exists in the calendar. */
export function isCalendarDate(text: unknown, form: DateForm = 'date-or-date-time'): text is string {
  if (typeof text !== 'string') return false;
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, offsetHours, offsetMinutes] = match.map((part) => (part === undefined ? undefined : Number(part)));
  if (form === 'date-time' && hour === undefined) return false;
  if (year! < EARLIEST_YEAR || year! > LATEST_YEAR || month! < 1 || month! > 12) return false;
  if (day! < 1 || day! > daysInMonth(year!, month!)) return false;
  if (hour !== undefined && (hour > 23 || minute! > 59 || (second ?? 0) > 59)) return false;
  if (offsetHours !== undefined && (offsetHours > 18 || offsetMinutes! > 59)) return false;
  return true;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const RULE = {
  'date-or-date-time': 'an ISO 8601 date or a date-time with an offset',
  'date-time': 'an ISO 8601 date-time with an offset, e.g. 2025-03-03T08:00:00+01:00',
} as const;

/** Class-validator rule: a real calendar date in the given form, between 1900 and 2199. */
export function IsCalendarDate(form: DateForm, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isCalendarDate(value, form),
        defaultMessage: (args) => `${args?.property ?? 'the date'} must be ${RULE[form]} that exists in the calendar (years ${EARLIEST_YEAR}–${LATEST_YEAR})`,
      },
    },
    options,
  );
}
