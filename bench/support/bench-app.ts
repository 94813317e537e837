import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { signDevToken, type DevTokenOptions } from '@bistand/auth/dev-token';
import { loadConfig } from '@bistand/config';
import { Projector } from '@bistand/projections/projector';
import { createApp } from '../../apps/bistand/src/bootstrap';

export interface BenchApp {
  app: INestApplication;
  projector: Projector;
  baseUrl: string;
  token(options: DevTokenOptions): string;
  close(): Promise<void>;
}

/** The real app on the bench database, listening on a free loopback port. */
export async function startBenchApp(databaseUrl: string): Promise<BenchApp> {
  const config = loadConfig({ NODE_ENV: 'test' });
  const app = await createApp({ config, databaseUrl, logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    projector: app.get(Projector),
    baseUrl: `http://127.0.0.1:${port}`,
    token: (options) => `Bearer ${signDevToken(config.jwt, options)}`,
    close: () => app.close(),
  };
}

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
