import { startEmbeddedPostgres } from './embedded-postgres';
import { databaseUrl, ensureDatabase } from './databases';

export interface ProvisionedDatabase {
  /** Connection URL of the database Bistand uses. */
  url: string;
  /** Where it runs, for the start-up log (never includes the password). */
  description: string;
  /** Stops the embedded PostgreSQL; a no-op for an external server. */
  stop(): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'bistand';

/**
 * The database for this run: the server in `databaseUrl` when given, else an embedded
 * PostgreSQL whose cluster lives in `dataDir` and is reused on the next start.
 */
export async function provisionDatabase(options: {
  databaseUrl?: string;
  dataDir: string;
  log?: (message: string) => void;
}): Promise<ProvisionedDatabase> {
  if (options.databaseUrl) {
    const url = new URL(options.databaseUrl);
    return { url: options.databaseUrl, description: `PostgreSQL at ${url.host}${url.pathname}`, stop: async () => undefined };
  }
  const running = await startEmbeddedPostgres({ dataDir: options.dataDir, log: options.log });
  try {
    await ensureDatabase(running.url, EMBEDDED_DATABASE_NAME);
  } catch (error) {
    await running.stop();
    throw error;
  }
  return {
    url: databaseUrl(running.url, EMBEDDED_DATABASE_NAME),
    description: `embedded PostgreSQL on 127.0.0.1:${running.port}, data in ${options.dataDir}`,
    stop: () => running.stop(),
  };
}
