import { signDevToken, type DevTokenOptions } from '@bistand/auth/dev-token';
import type { BistandConfig } from '@bistand/config';

/** `Authorization` header values for test callers, signed with the test app's secret. */
export function bearer(config: BistandConfig, options: DevTokenOptions): string {
  return `Bearer ${signDevToken(config.jwt, options)}`;
}

export const callers = {
  tromso: { role: 'municipality', municipalities: ['5501'], sub: 'tromso-leader' },
  oslo: { role: 'municipality', municipalities: ['0301'], sub: 'oslo-leader' },
  nordCoordinator: { role: 'coordinator', region: 'nord', sub: 'nord-coordinator' },
  osloCoordinator: { role: 'coordinator', region: 'oslo', sub: 'oslo-coordinator' },
  auditor: { role: 'auditor', sub: 'riksrevisjonen' },
  admin: { role: 'admin', sub: 'admin' },
} as const satisfies Record<string, DevTokenOptions>;
