import type { FieldError } from './problem';
import { walkInput } from './input-walk';

/**
 * Text no field of Bistand can hold: NUL (PostgreSQL's jsonb and text refuse it, which would
 * surface as a 500), unpaired UTF-16 surrogates (not Unicode; jsonb refuses them too), and the
 * other control characters but tab, line feed and carriage return.
 */
const FORBIDDEN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The first screen of raw input, before any validation or handler sees it: nesting deeper than
 * any DTO needs, and text that cannot be stored. Each problem is a 400 naming its field.
 */
export function screenInput(input: unknown): FieldError[] {
  const { visits, tooDeep } = walkInput(input);
  if (tooDeep !== undefined) return [{ field: tooDeep, message: 'nests too deeply' }];
  return visits
    .filter((visit) => FORBIDDEN_TEXT.test(visit.key ?? visit.text ?? ''))
    .map((visit) => ({
      field: visit.key !== undefined ? '(field name)' : visit.path || '(body)',
      message: 'must not contain NUL, other control characters or unpaired surrogates',
    }));
}
