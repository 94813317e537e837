import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { findIdentityNumbers } from './identity-number-guard';
import { ProblemException } from './problem';

/** Rejects, before anything is validated or written, any body carrying a national identity number. */
@Injectable()
export class IdentityNumberInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const fields = findIdentityNumbers(request.body);
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
