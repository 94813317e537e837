import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface PrivatePostgres {
  /** A fresh database on the private cluster. */
  createDatabase(): Promise<TestDatabase>;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL cluster of this test file's own. Transaction ids are shared by every database of a
 * server, and the event store's readers wait for the oldest open one: a test that holds a writing
 * transaction open on purpose (an operator's session, a neighbouring database) would hold back the
 * projections of every other test file running beside it on the shared test server.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'test', 'support', 'run-typescript.js'), join(root, 'test', 'support', 'private-postgres-server.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`the private PostgreSQL did not start (exit ${code})`)));
  });
  return {
    createDatabase: () => createTestDatabase(url),
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
