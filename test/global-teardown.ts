import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.__BISTAND_TEST_POSTGRES__;
  if (!state?.running) return;
  await state.running.stop();
  if (state.dataDir) rmSync(state.dataDir, { recursive: true, force: true });
}
