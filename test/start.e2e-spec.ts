import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * `npm start` as a new user runs it: no DATABASE_URL, so the product builds if needed and starts
 * its own embedded PostgreSQL in BISTAND_DATA_DIR.
 */
describe('npm start on the embedded PostgreSQL', () => {
  const root = join(__dirname, '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'bistand-start-'));
  const running: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  function start(port: number): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), BISTAND_DATA_DIR: dataDir, NODE_ENV: 'development' };
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  async function waitForHealth(port: number, exited: Promise<unknown>, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let gone = false;
    void exited.then(() => (gone = true));
    while (Date.now() < deadline && !gone) {
      const status = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
      if (status === 200) return status;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return 0;
  }

  it('serves /health, refuses a second instance on the same data folder, stops cleanly on SIGTERM and reuses the data', async () => {
    const port = await freePort();
    const first = start(port);
    expect(await waitForHealth(port, first.exited, 170_000)).toBe(200);
    expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);

    const second = start(await freePort());
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/data folder .* is in use by another running PostgreSQL/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/Stopped cleanly/);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    const again = start(port);
    expect(await waitForHealth(port, again.exited, 60_000)).toBe(200);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  }, 240_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
