import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, DEVELOPMENT_JWT_SECRET, cursorSigningKey, loadConfig } from './config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('defaults to port 3000, the embedded PostgreSQL in ./.data, the postgres event store and the development secret', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      databaseUrl: undefined,
      dataDir: './.data',
      eventStore: 'postgres',
      kurrentdbUrl: undefined,
      jwt: { algorithm: 'HS256', secret: DEVELOPMENT_JWT_SECRET, isDevelopmentDefault: true },
      nodeEnv: 'development',
    });
  });

  it('reads every documented variable', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/bistand',
      BISTAND_DATA_DIR: '/var/lib/bistand',
      EVENT_STORE: 'kurrentdb',
      KURRENTDB_URL: 'kurrentdb://127.0.0.1:2113?tls=false',
      JWT_SECRET: 'x'.repeat(32),
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({ port: 8080, dataDir: '/var/lib/bistand', eventStore: 'kurrentdb', nodeEnv: 'production' });
    expect(config.jwt).toEqual({ algorithm: 'HS256', secret: 'x'.repeat(32), isDevelopmentDefault: false });
  });

  it('names each bad variable, all in one error', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', EVENT_STORE: 'mongo', NODE_ENV: 'staging' });
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/PORT/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/EVENT_STORE/);
    expect(problems.join('\n')).toMatch(/NODE_ENV/);
  });

  it('rejects a port above 65535', () => {
    expect(problemsOf({ PORT: '70000' })).toEqual([expect.stringMatching(/^PORT/)]);
  });

  it('requires KURRENTDB_URL when EVENT_STORE=kurrentdb', () => {
    expect(problemsOf({ EVENT_STORE: 'kurrentdb' })).toEqual([expect.stringMatching(/^KURRENTDB_URL is required/)]);
  });

  it('refuses the development secret in production', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringMatching(/JWT_SECRET or JWT_PUBLIC_KEY is required/)]);
  });

  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

  it('refuses a short JWT_SECRET and both key kinds at once', () => {
    expect(problemsOf({ JWT_SECRET: 'short' })).toEqual([expect.stringMatching(/at least 32/)]);
    expect(problemsOf({ JWT_SECRET: 'y'.repeat(40), JWT_PUBLIC_KEY: publicKey })).toEqual([expect.stringMatching(/not both/)]);
  });

  it('accepts an RS256 public key, also with escaped newlines, and refuses what is not one', () => {
    expect(loadConfig({ JWT_PUBLIC_KEY: publicKey.replace(/\n/g, '\\n') }).jwt).toEqual({ algorithm: 'RS256', publicKey });
    expect(problemsOf({ JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----' })).toEqual([expect.stringMatching(/JWT_PUBLIC_KEY must be a PEM public key/)]);
  });

  it('derives the cursor signing key from the token key: the same on every instance, new when the secret changes', () => {
    const one = loadConfig({ JWT_SECRET: 'a'.repeat(40) }).jwt;
    const two = loadConfig({ JWT_SECRET: 'b'.repeat(40) }).jwt;
    expect(cursorSigningKey(one)).toEqual(cursorSigningKey(loadConfig({ JWT_SECRET: 'a'.repeat(40) }).jwt));
    expect(cursorSigningKey(one)).not.toEqual(cursorSigningKey(two));
    expect(cursorSigningKey(one).toString('hex')).not.toContain(Buffer.from('a'.repeat(40)).toString('hex'));
  });
});
