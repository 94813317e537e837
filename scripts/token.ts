import { parseArgs } from 'node:util';
import { loadConfig } from '@bistand/config';
import type { Role } from '@bistand/auth/actor';
import { signDevToken } from '@bistand/auth/dev-token';

/**
 * npm run token -- --role municipality --municipalities 0301[,0301...] [--sub name]
 * npm run token -- --role coordinator --region nord
 * Prints a token signed with JWT_SECRET (or the development secret) from the same environment as the app.
 */
const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    municipalities: { type: 'string' },
    region: { type: 'string' },
    sub: { type: 'string' },
    'expires-in': { type: 'string' },
  },
});
try {
  const config = loadConfig(process.env);
  const token = signDevToken(config.jwt, {
    role: (values.role ?? '') as Role,
    sub: values.sub,
    municipalities: values.municipalities?.split(',').map((m) => m.trim()).filter(Boolean),
    region: values.region,
    expiresIn: values['expires-in'],
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
