import { ProblemException } from '@bistand/http/problem';
import { instantFromQuery } from '@bistand/placement/oslo-time';

/** `from`–`to` of a query as instants (bare dates are Oslo days); a range that ends before it starts is a 400 naming `to`. */
export function timeRange(query: { from?: string; to?: string }): { from: Date | null; to: Date | null } {
  const from = query.from ? instantFromQuery(query.from) : null;
  const to = query.to ? instantFromQuery(query.to) : null;
  if (from && to && to < from) {
    throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: to', { errors: [{ field: 'to', message: 'to must not be before from' }] });
  }
  return { from, to };
}
