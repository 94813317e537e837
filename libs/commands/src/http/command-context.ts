import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { Actor } from '@bistand/auth/actor';
import { ProblemException } from '@bistand/http/problem';
import type { CommandMetadata } from '../pipeline/command-metadata';
import { requestHash } from '@bistand/placement/deterministic-id';
import { isRealInstant } from './common.dto';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;
const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Builds a command's metadata from the HTTP request: the caller, correlation and causation ids,
 * Idempotency-Key, If-Match, the body's hash and the business time.
 */
export function commandMetadata(request: Request, actor: Actor, route: string, body: object, occurredAt: string | undefined): CommandMetadata {
  const now = new Date();
  const idempotencyKey = header(request, 'idempotency-key');
  if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
    throw badHeader('Idempotency-Key', 'must be 1–128 visible ASCII characters');
  }
  const correlationId = header(request, 'x-correlation-id');
  if (correlationId !== undefined && !CORRELATION_ID.test(correlationId)) throw badHeader('X-Correlation-Id', 'must be 1–128 characters of letters, digits, . _ : -');
  const ifMatchText = header(request, 'if-match');
  let ifMatch: number | undefined;
  if (ifMatchText !== undefined) {
    const match = /^(?:W\/)?"(\d{1,15})"$|^(\d{1,15})$/.exec(ifMatchText.trim());
    if (!match) throw badHeader('If-Match', 'must be a revision in quotes, as in the ETag, e.g. "3"');
    ifMatch = Number(match[1] ?? match[2]);
  }
  if (occurredAt !== undefined && !isRealInstant(occurredAt)) {
    throw new ProblemException(400, 'VALIDATION.FAILED', 'Bad Request', 'Invalid input: occurredAt', {
      errors: [{ field: 'occurredAt', message: 'occurredAt is not a real calendar date-time' }],
    });
  }
  const causationId = randomUUID();
  return {
    actor,
    correlationId: correlationId ?? causationId,
    causationId,
    idempotencyKey,
    requestHash: requestHash(route, body),
    occurredAt: occurredAt ? new Date(occurredAt) : now,
    now,
    ifMatch,
  };
}

function header(request: Request, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function badHeader(name: string, rule: string): ProblemException {
  return new ProblemException(400, 'VALIDATION.HEADER', 'Bad Request', `Header ${name} ${rule}`, { errors: [{ field: name, message: `${name} ${rule}` }] });
}
