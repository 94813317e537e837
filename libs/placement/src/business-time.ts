import { DomainError } from './domain-error';

/** How far in the future a command's business time may lie (clock skew between systems). */
export const FUTURE_TOLERANCE_MS = 2 * 60 * 1000;

/**
 * PRODUCT.md §2: business time defaults to now, must not lie more than 2 minutes in the future,
 * and must not lie before the previous event of the same stream.
 */
export function checkBusinessTime(occurredAt: Date, now: Date, previousOccurredAt: Date | undefined, field = 'occurredAt'): void {
  if (occurredAt.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new DomainError('TIME.IN_FUTURE', `${field} lies in the future`, { field, occurredAt: occurredAt.toISOString(), now: now.toISOString() });
  }
  if (previousOccurredAt && occurredAt.getTime() < previousOccurredAt.getTime()) {
    throw new DomainError('TIME.BEFORE_PREVIOUS_EVENT', `${field} lies before the previous event of this stream`, {
      field,
      occurredAt: occurredAt.toISOString(),
      previousOccurredAt: previousOccurredAt.toISOString(),
    });
  }
}
