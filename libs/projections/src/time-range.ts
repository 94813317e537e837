import { isCalendarDate } from '@bistand/http/calendar-date';
import { ProblemException } from '@bistand/http/problem';
import { instantFromQuery } from '@bistand/placement/oslo-time';

/**
 * `from`–`to` of a query as instants (bare dates are Oslo days). Each must be a real calendar date
 * (checked here too, for the queries whose DTO only checks the pattern), and a range that ends
 * before it starts is a 400 naming `to`.
 */
export function timeRange(query: { from?: string; to?: string }): { from: Date | null; to: Date | null } {
  const from = query.from === undefined ? null : queryInstant('from', query.from);
  const to = query.to === undefined ? null : queryInstant('to', query.to);
  if (from && to && to < from) throw invalid('to', 'to must not be before from');
  return { from, to };
}

/** One date of a query string as an instant; 400 naming the field when it is no real calendar date. */
export function queryInstant(field: string, value: string): Date {
  if (!isCalendarDate(value)) throw invalid(field, `${field} must be an ISO 8601 date or a date-time with an offset that exists in the calendar`);
  return instantFromQuery(value);
}

function invalid(field: string, message: string): ProblemException {
  return new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', `Invalid input: ${field}`, { errors: [{ field, message }] });
}
