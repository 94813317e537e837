import { dnr, fnr } from '@navikt/fnrvalidator';

/**
 * The product never stores a national identity number (PRODUCT.md §1). This finds any valid
 * fødselsnummer or D-number in a request body: a whole string value, or a run of exactly 11
 * digits inside text. Values that are UUIDs or ISO dates are skipped: they are validated as such.
 * Validity (the two check digits) comes from NAV's maintained validator.
 */
export function findIdentityNumbers(body: unknown, path = ''): string[] {
  if (typeof body === 'string') return containsIdentityNumber(body) ? [path || '(body)'] : [];
  if (Array.isArray(body)) return body.flatMap((item, index) => findIdentityNumbers(item, `${path}[${index}]`));
  if (typeof body === 'object' && body !== null) {
    return Object.entries(body).flatMap(([key, value]) => findIdentityNumbers(value, path ? `${path}.${key}` : key));
  }
  return [];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const ELEVEN_DIGIT_RUN = /(?<!\d)\d{11}(?!\d)/g;

function containsIdentityNumber(value: string): boolean {
  if (UUID.test(value) || ISO_DATE.test(value)) return false;
  for (const [candidate] of value.matchAll(ELEVEN_DIGIT_RUN)) {
    if (fnr(candidate).status === 'valid' || dnr(candidate).status === 'valid') return true;
  }
  return false;
}
