import { randomBytes } from 'node:crypto';
import { databaseUrl, dropDatabase, ensureDatabase } from '@bistand/database/databases';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** The server the test run uses (set by test/global-setup.ts), or an explicit one. */
export function testServerUrl(): string {
  const url = process.env.BISTAND_TEST_SERVER_URL;
  if (!url) throw new Error('BISTAND_TEST_SERVER_URL is not set: run tests through jest (npm test), which starts PostgreSQL');
  return url;
}

/** A fresh, empty database for one test file, so test files run in parallel without sharing data. */
export async function createTestDatabase(serverUrl = testServerUrl()): Promise<TestDatabase> {
  const name = `bistand_t_${randomBytes(6).toString('hex')}`;
  await ensureDatabase(serverUrl, name);
  return { url: databaseUrl(serverUrl, name), drop: () => dropDatabase(serverUrl, name) };
}
