import jwt from 'jsonwebtoken';
import type { JwtConfig } from '@bistand/config';
import { ROLES, type Role } from './actor';

export interface DevTokenOptions {
  role: Role;
  sub?: string;
  municipalities?: string[];
  region?: string;
  expiresIn?: string;
}

/** Signs a development token with the configured HS256 secret (RS256 needs the private key: use your identity provider). */
export function signDevToken(config: JwtConfig, options: DevTokenOptions): string {
  if (config.algorithm !== 'HS256') throw new Error('Only HS256 tokens can be minted here; with JWT_PUBLIC_KEY, tokens come from the identity provider');
  if (!ROLES.includes(options.role)) throw new Error(`--role must be one of ${ROLES.join(', ')}`);
  const claims: Record<string, unknown> = { sub: options.sub ?? `dev-${options.role}`, role: options.role };
  if (options.municipalities?.length) claims.municipalities = options.municipalities;
  if (options.region) claims.region = options.region;
  return jwt.sign(claims, config.secret, { algorithm: 'HS256', expiresIn: (options.expiresIn ?? '12h') as jwt.SignOptions['expiresIn'] });
}
