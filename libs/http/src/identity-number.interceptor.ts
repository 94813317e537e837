import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { containsIdentityNumber, findIdentityNumbers } from './identity-number-guard';
import { screenInput } from './input-screen';
import { ProblemException } from './problem';

/** The headers Bistand stores in event metadata (PRODUCT.md §1): they are guarded like body fields. */
const STORED_HEADERS = ['Idempotency-Key', 'X-Correlation-Id'] as const;

/**
 * The screen of raw input, before anything is validated, written or echoed. First 400 for input
 * no field can hold (hostile nesting, NUL and other control characters, broken Unicode), which
 * would otherwise reach PostgreSQL or overflow the stack as a 500; then 422 for a national
 * identity number in the body, the query string or a header the product stores.
 */
@Injectable()
export class IdentityNumberInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const unreadable = [...screenInput(request.body), ...screenInput(request.query)];
    if (unreadable.length > 0) {
      throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', `Invalid input: ${unreadable.map((error) => error.field).join(', ')}`, { errors: unreadable });
    }
    const fields = [...findIdentityNumbers(request.body), ...findIdentityNumbers(request.query), ...storedHeadersWithIdentityNumbers(request)];
    if (fields.length > 0) {
      throw new ProblemException(
        422,
        'PERSONAL_DATA.IDENTITY_NUMBER',
        'Unprocessable Content',
        'The request contains a Norwegian national identity number (fødselsnummer or D-number). Bistand never stores one: refer to the child by its childRef.',
        { errors: fields.map((field) => ({ field, message: 'must not contain a fødselsnummer or D-number' })) },
      );
    }
    return next.handle();
  }
}

function storedHeadersWithIdentityNumbers(request: Request): string[] {
  return STORED_HEADERS.filter((name) => {
    const value = request.headers[name.toLowerCase()];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    return values.some((text) => containsIdentityNumber(text));
  });
}
