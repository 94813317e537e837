import { createHmac, createPublicKey } from 'node:crypto';
/**
 * Bistand's configuration: read from the environment in this one place, validated at start,
 * and passed on typed. Every variable is documented in the README's table.
 */
export type EventStoreKind = 'postgres' | 'kurrentdb';
export type NodeEnv = 'development' | 'production' | 'test';

export interface BistandConfig {
  port: number;
  /** Absent: the product starts its own embedded PostgreSQL under `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  eventStore: EventStoreKind;
  kurrentdbUrl?: string;
  jwt: JwtConfig;
  nodeEnv: NodeEnv;
}

export type JwtConfig =
  | { algorithm: 'HS256'; secret: string; isDevelopmentDefault: boolean }
  | { algorithm: 'RS256'; publicKey: string };

/** Used only outside production, with a warning in the log. */
export const DEVELOPMENT_JWT_SECRET = 'bistand-development-secret-do-not-use-in-production';

/** One message per bad variable, all at once, so a misconfigured deployment is fixed in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): BistandConfig {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = value(name) ?? fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  };

  const nodeEnv = oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');

  const portText = value('PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65_535) problems.push(`PORT must be a whole number from 0 to 65535 (got "${portText}")`);

  const databaseUrl = value('DATABASE_URL');
  if (databaseUrl !== undefined && !isUrlWithProtocol(databaseUrl, ['postgres:', 'postgresql:'])) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL, e.g. postgres://user:password@127.0.0.1:5432/bistand');
  }

  const eventStore = oneOf<EventStoreKind>('EVENT_STORE', ['postgres', 'kurrentdb'], 'postgres');
  const kurrentdbUrl = value('KURRENTDB_URL');
  if (eventStore === 'kurrentdb' && kurrentdbUrl === undefined) {
    problems.push('KURRENTDB_URL is required when EVENT_STORE=kurrentdb, e.g. kurrentdb://127.0.0.1:2113?tls=false');
  }
  if (kurrentdbUrl !== undefined && !isUrlWithProtocol(kurrentdbUrl, ['kurrentdb:', 'kurrentdb+discover:', 'esdb:', 'esdb+discover:', 'kdb:', 'kdb+discover:'])) {
    problems.push('KURRENTDB_URL must be a kurrentdb:// (or esdb://) connection string, e.g. kurrentdb://127.0.0.1:2113?tls=false');
  }

  const jwt = jwtConfig(value('JWT_SECRET'), value('JWT_PUBLIC_KEY'), nodeEnv, problems);

  if (problems.length > 0) throw new ConfigError(problems);
  return { port, databaseUrl, dataDir: value('BISTAND_DATA_DIR') ?? './.data', eventStore, kurrentdbUrl, jwt, nodeEnv };
}

function jwtConfig(secret: string | undefined, publicKey: string | undefined, nodeEnv: NodeEnv, problems: string[]): JwtConfig {
  if (secret !== undefined && publicKey !== undefined) {
    problems.push('Set either JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256), not both');
  }
  if (publicKey !== undefined) {
    const pem = publicKey.replace(/\\n/g, '\n');
    if (!isPublicKey(pem)) problems.push('JWT_PUBLIC_KEY must be a PEM public key (-----BEGIN PUBLIC KEY-----); newlines may be written as \\n');
    return { algorithm: 'RS256', publicKey: pem };
  }
  if (secret !== undefined) {
    if (secret.length < 32) problems.push('JWT_SECRET must be at least 32 characters long');
    return { algorithm: 'HS256', secret, isDevelopmentDefault: false };
  }
  if (nodeEnv === 'production') {
    problems.push('JWT_SECRET or JWT_PUBLIC_KEY is required when NODE_ENV=production');
  }
  return { algorithm: 'HS256', secret: DEVELOPMENT_JWT_SECRET, isDevelopmentDefault: true };
}

function isPublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

function isUrlWithProtocol(text: string, protocols: string[]): boolean {
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/**
 * The key that signs list cursors, derived from the token key so no further secret needs managing.
 * With RS256 the material is the public key, so a cursor could be forged by whoever has that key;
 * cursors are also validated value by value and every list applies the caller's scope in SQL, so a
 * forged cursor can only skip to a place in a list the caller may read anyway.
 */
export function cursorSigningKey(jwt: JwtConfig): Buffer {
  const material = jwt.algorithm === 'HS256' ? jwt.secret : jwt.publicKey;
  return createHmac('sha256', material).update('bistand list cursor v1').digest();
}
