import { dnr, fnr } from '@navikt/fnrvalidator';
import { walkInput } from './input-walk';

/**
 * The product never stores a national identity number (PRODUCT.md §1). This finds any valid
 * fødselsnummer or D-number in a request body or query: a whole string value, a run of exactly 11
 * digits inside text, or the written forms `DDMMYY NNNNN` and `DDMMYY-NNNNN`, in values and in
 * field names alike. Values that are UUIDs or ISO dates are skipped: they are validated as such.
 * Validity (the two check digits) comes from NAV's maintained validator.
 *
 * The answer names each field without ever repeating the number: a field name that holds one is
 * reported as `(field name)`, so the 422 itself cannot echo what it refuses.
 */
export function findIdentityNumbers(input: unknown): string[] {
  const fields: string[] = [];
  const renamed = new Map<string, string>();
  for (const visit of walkInput(input, Number.POSITIVE_INFINITY).visits) {
    const path = safePath(visit.path, renamed);
    if (visit.key !== undefined ? hasIdentityNumber(visit.key) : containsIdentityNumber(visit.text ?? '')) fields.push(path || '(body)');
  }
  return fields;
}

/** The path with every field name that holds a number replaced, so the answer never repeats one. */
function safePath(path: string, renamed: Map<string, string>): string {
  if (!hasIdentityNumber(path)) return path;
  let safe = renamed.get(path);
  if (safe === undefined) {
    safe = path
      .split('.')
      .map((part) => (hasIdentityNumber(part) ? part.replace(/^[^[]*/, FIELD_NAME) : part))
      .join('.');
    renamed.set(path, safe);
  }
  return safe;
}

/** True when the text holds a valid identity number in any of the forms this guard knows. */
export function containsIdentityNumber(value: string): boolean {
  if (UUID.test(value) || ISO_DATE.test(value)) return false;
  return hasIdentityNumber(value);
}

/**
 * The text with every identity number replaced, for anything that leaves the process as text
 * (problem details, log lines) when the text may carry a client's input.
 */
export function redactIdentityNumbers(text: string): string {
  const normalized = text.normalize('NFKC');
  if (!hasIdentityNumber(normalized)) return text;
  return normalized.replace(CANDIDATE, (candidate, birth: string, personal: string) => (isValid(birth + personal) ? REDACTED : candidate));
}

export const REDACTED = '[identity number removed]';
const FIELD_NAME = '(field name)';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
/** 11 digits in a row, or 6 + 5 with one space or hyphen between, not part of a longer run of digits. */
const CANDIDATE = /(?<!\d)(\d{6})[ -]?(\d{5})(?!\d)/g;

function hasIdentityNumber(value: string): boolean {
  // NFKC turns full-width and other compatibility digits into ASCII ones, so they are checked too.
  for (const [, birth, personal] of value.normalize('NFKC').matchAll(CANDIDATE)) {
    if (isValid(birth + personal)) return true;
  }
  return false;
}

function isValid(digits: string): boolean {
  return fnr(digits).status === 'valid' || dnr(digits).status === 'valid';
}
