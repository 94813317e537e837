import type { Actor } from '@bistand/auth/actor';

/** Who asked, why, and when: carried into the metadata of every event the command appends. */
export interface CommandMetadata {
  actor: Actor;
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  /** Hash of the command's route and body: a retry must match it. */
  requestHash: string;
  /** Business time of the fact (PRODUCT.md §2). */
  occurredAt: Date;
  /** The server's clock when the command arrived. */
  now: Date;
  /** From `If-Match`: the revision the client decided on. */
  ifMatch?: number;
}

export const EVENT_SCHEMA_VERSION = 1;

/** The stored metadata of an event (PRODUCT.md §3). */
export interface EventMetadata {
  eventId: string;
  occurredAt: string;
  recordedAt: string;
  actor: { sub: string; role: string };
  correlationId: string;
  causationId: string;
  idempotencyKey?: string;
  requestHash?: string;
  schemaVersion: number;
}

export function isEventMetadata(value: Record<string, unknown>): value is EventMetadata & Record<string, unknown> {
  return typeof value.occurredAt === 'string' && typeof value.eventId === 'string';
}
