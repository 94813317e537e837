import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type DomainErrorCode } from '@bistand/placement/domain-error';
import { EventIdConflictError, EventStoreError, InvalidAppendError, WrongExpectedRevisionError } from '@bistand/event-store/event-store.errors';
import { redactIdentityNumbers } from './identity-number-guard';
import { PROBLEM_CONTENT_TYPE, ProblemException, problemType, type FieldError, type Problem } from './problem';

/** The one place where domain error codes become HTTP statuses. */
const DOMAIN_STATUS: Record<DomainErrorCode, number> = {
  'REQUEST.NOT_FOUND': 404,
  'REQUEST.ALREADY_EXISTS': 409,
  'REQUEST.WRONG_STATUS': 409,
  'OFFER.NOT_FOUND': 404,
  'OFFER.ALREADY_EXISTS': 409,
  'OFFER.WRONG_STATUS': 409,
  'FACILITY.NOT_FOUND': 404,
  'FACILITY.ALREADY_EXISTS': 409,
  'FACILITY.FULL': 409,
  'FACILITY.NOT_ACCEPTING': 409,
  'FACILITY.CLOSED': 409,
  'FACILITY.WRONG_STATUS': 409,
  'TIME.IN_FUTURE': 422,
  'TIME.BEFORE_PREVIOUS_EVENT': 422,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Every error leaves as RFC 9457 application/problem+json; nothing internal leaks into a 500. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const problem = this.toProblem(exception);
    if (!Number.isInteger(problem.status) || problem.status < 400 || problem.status > 599) Object.assign(problem, { status: 500 });
    // Error texts may repeat client input (a path, a value a library quoted): an identity number in
    // them must reach neither the log nor the client (PRODUCT.md §1).
    if (problem.status >= 500) this.logger.error(redactIdentityNumbers(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)));
    if (response.headersSent) {
      // A streamed answer (CSV) failed midway: the status is gone, so end the stream as broken.
      response.destroy();
      return;
    }
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(redactIdentityNumbers(JSON.stringify(problem)));
  }

  private toProblem(exception: unknown): Problem {
    if (exception instanceof ProblemException) {
      return { ...exception.extensions, type: problemType(exception.code), title: exception.title, status: exception.status, detail: exception.detail, code: exception.code };
    }
    if (exception instanceof DomainError) {
      const status = DOMAIN_STATUS[exception.code];
      const { status: currentStatus, ...details } = exception.details;
      const field = typeof details.field === 'string' ? details.field : undefined;
      return {
        ...details,
        ...(currentStatus === undefined ? {} : { currentStatus }),
        type: problemType(exception.code),
        title: TITLES[status] ?? 'Error',
        status,
        detail: exception.message,
        code: exception.code,
        ...(field ? { errors: [{ field, message: exception.message }] } : {}),
      };
    }
    if (exception instanceof WrongExpectedRevisionError) {
      return {
        type: problemType(exception.code),
        title: 'Conflict',
        status: 409,
        detail: 'The stream changed while this command was decided; retry it',
        code: exception.code,
        currentRevision: exception.actualRevision,
      };
    }
    if (exception instanceof EventIdConflictError || exception instanceof InvalidAppendError) {
      return { type: problemType(exception.code), title: 'Conflict', status: 409, detail: exception.message, code: exception.code };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'object' && body !== null && 'message' in body ? (body as { message: unknown }).message : body;
      const detail = Array.isArray(message) ? message.join('; ') : String(message);
      return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail };
    }
    if (isClientHttpError(exception)) {
      // Raised by the body parser before Nest sees the request: too large, bad encoding, bad JSON.
      return { type: 'about:blank', title: TITLES[exception.status] ?? 'Bad Request', status: exception.status, detail: exception.message };
    }
    if (exception instanceof EventStoreError) {
      return { type: problemType(exception.code), title: 'Conflict', status: 409, detail: exception.message, code: exception.code };
    }
    return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred; it has been logged' };
  }
}

function isClientHttpError(error: unknown): error is Error & { status: number } {
  return error instanceof Error && 'expose' in error && error.expose === true && 'status' in error && typeof error.status === 'number' && error.status >= 400 && error.status < 500;
}

export type { FieldError };
