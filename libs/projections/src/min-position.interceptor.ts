import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, switchMap, type Observable } from 'rxjs';
import { parsePosition } from '@bistand/event-store/positions';
import { ProblemException } from '@bistand/http/problem';
import { Projector } from './projector';

/** How long a query waits for the read models to include the client's own write. */
const MAX_WAIT_MS = 5_000;

/**
 * Read your writes: a query with `X-Min-Position: <position>` answers only once the read models
 * include that position, waiting up to 5 s, then 503.
 */
@Injectable()
export class MinPositionInterceptor implements NestInterceptor {
  constructor(private readonly projector: Projector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const header = request.headers['x-min-position'];
    if (header === undefined) return next.handle();
    const position = typeof header === 'string' ? parsePosition(header.trim()) : undefined;
    if (position === undefined) {
      throw new ProblemException(400, 'VALIDATION.HEADER', 'Bad Request', 'Header X-Min-Position must be a position (a decimal number) from a command answer', {
        errors: [{ field: 'X-Min-Position', message: 'must be a decimal position' }],
      });
    }
    return from(this.projector.waitFor(position, MAX_WAIT_MS)).pipe(
      switchMap((caughtUp) => {
        if (!caughtUp) {
          throw new ProblemException(503, 'READ_MODEL.BEHIND', 'Service Unavailable', `The read models have not reached position ${position} within 5 s; retry`, {
            checkpoint: this.projector.checkpoint.toString(),
          });
        }
        return next.handle();
      }),
    );
  }
}
