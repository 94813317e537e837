import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ProblemException, type FieldError } from './problem';

/**
 * Request bodies and queries: unknown fields, wrong types, bad enums, dates and ranges are 400,
 * naming each field and the rule it broke.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fieldErrors = flatten(errors);
      return new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', `Invalid input: ${fieldErrors.map((e) => e.field).join(', ')}`, {
        errors: fieldErrors,
      });
    },
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message: message.replace(/^property (\S+) should not exist$/, 'is not a known field'),
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}
