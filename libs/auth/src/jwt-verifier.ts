import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@bistand/config';
import { containsIdentityNumber } from '@bistand/http/identity-number-guard';
import { REGIONS, isRegionId } from '@bistand/reference-data/regions';
import { ROLES, type Actor, type Role } from './actor';

export class InvalidTokenError extends Error {}

/** `sub` is stored with every event; an identity provider's subject ids are far shorter. */
const MAX_SUB_LENGTH = 256;

/** Verifies a bearer token (HS256 with JWT_SECRET or RS256 with JWT_PUBLIC_KEY) and reads its claims. */
export class JwtVerifier {
  /** The key made once: given a string, jsonwebtoken makes a key object on every call (≈ 1 ms per request). */
  private readonly key: KeyObject;

  constructor(private readonly config: JwtConfig) {
    this.key = config.algorithm === 'HS256' ? createSecretKey(Buffer.from(config.secret, 'utf8')) : createPublicKey(config.publicKey);
  }

  verify(token: string): Actor {
    let claims: unknown;
    try {
      claims = jwt.verify(token, this.key, { algorithms: [this.config.algorithm] });
    } catch (error) {
      throw new InvalidTokenError(error instanceof Error ? error.message : 'invalid token');
    }
    return actorFromClaims(claims);
  }
}

export function actorFromClaims(claims: unknown): Actor {
  if (typeof claims !== 'object' || claims === null) throw new InvalidTokenError('token has no claims');
  const { sub, role, municipalities, region } = claims as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0) throw new InvalidTokenError('claim "sub" is missing');
  if (sub.length > MAX_SUB_LENGTH) throw new InvalidTokenError(`claim "sub" must be at most ${MAX_SUB_LENGTH} characters`);
  // `sub` is stored as the actor of every event the caller causes (PRODUCT.md §1); the message
  // does not repeat the value, so the number reaches neither the answer nor a log.
  if (containsIdentityNumber(sub)) throw new InvalidTokenError('claim "sub" must not hold a national identity number');
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new InvalidTokenError(`claim "role" must be one of ${ROLES.join(', ')}`);
  }
  const actor: Actor = { sub, role: role as Role, municipalities: [] };
  if (role === 'municipality') {
    if (!Array.isArray(municipalities) || municipalities.length === 0 || !municipalities.every((m) => typeof m === 'string' && /^\d{4}$/.test(m))) {
      throw new InvalidTokenError('claim "municipalities" must list 4-digit municipality numbers for role municipality');
    }
    actor.municipalities = municipalities as string[];
  }
  if (role === 'coordinator') {
    if (typeof region !== 'string' || !isRegionId(region)) throw new InvalidTokenError(`claim "region" must be one of ${REGIONS.join(', ')} for role coordinator`);
    actor.region = region;
  }
  return actor;
}
