import { ParseUUIDPipe } from '@nestjs/common';
import { ProblemException } from '@bistand/http/problem';

/** A path parameter that must be a UUID: 400 naming it otherwise. */
export function uuidParam(name: string): ParseUUIDPipe {
  return new ParseUUIDPipe({
    exceptionFactory: () =>
      new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', `Invalid input: ${name}`, { errors: [{ field: name, message: `${name} must be a UUID` }] }),
  });
}
