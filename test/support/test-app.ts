import type { INestApplication } from '@nestjs/common';
import { loadConfig, type BistandConfig } from '@bistand/config';
import { createApp } from '../../apps/bistand/src/bootstrap';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  database: TestDatabase;
  config: BistandConfig;
  /** Stops the app; drops the database unless told to keep it (to start the app again on it). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
}

/** The real app on a fresh (or a given) database of the test run's PostgreSQL, initialised but not listening. */
export async function startTestApp(options: { env?: Record<string, string>; database?: TestDatabase } = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const config = loadConfig({ NODE_ENV: 'test', ...options.env });
  const app = await createApp({ config, databaseUrl: database.url, logger: false });
  await app.init();
  return {
    app,
    database,
    config,
    close: async ({ keepDatabase = false } = {}) => {
      await app.close();
      if (!keepDatabase) await database.drop();
    },
  };
}
