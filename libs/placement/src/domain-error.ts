/**
 * A rejected command. `code` is stable (clients and the HTTP mapping key on it); `details` names
 * what the caller needs to act, e.g. the current status. The HTTP edge maps codes to statuses in
 * one place; the domain knows nothing of HTTP.
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export type DomainErrorCode =
  | 'REQUEST.NOT_FOUND'
  | 'REQUEST.ALREADY_EXISTS'
  | 'REQUEST.WRONG_STATUS'
  | 'OFFER.NOT_FOUND'
  | 'OFFER.ALREADY_EXISTS'
  | 'OFFER.WRONG_STATUS'
  | 'FACILITY.NOT_FOUND'
  | 'FACILITY.ALREADY_EXISTS'
  | 'FACILITY.FULL'
  | 'FACILITY.NOT_ACCEPTING'
  | 'FACILITY.CLOSED'
  | 'FACILITY.WRONG_STATUS'
  | 'TIME.IN_FUTURE'
  | 'TIME.BEFORE_PREVIOUS_EVENT';
