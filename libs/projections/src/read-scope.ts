import type { Actor } from '@bistand/auth/actor';

/**
 * The rows a caller may read (PRODUCT.md §6) as a SQL condition on `municipality`/`region`
 * columns: municipalities their own, coordinators their region, auditors and admins everything.
 */
export function readScopeCondition(actor: Actor, params: unknown[]): string {
  switch (actor.role) {
    case 'auditor':
    case 'admin':
      return 'true';
    case 'municipality':
      params.push(actor.municipalities);
      return `municipality = ANY ($${params.length}::text[])`;
    case 'coordinator':
      params.push(actor.region ?? '');
      return `region = $${params.length}`;
    default: {
      const unknown: never = actor.role;
      return unknown;
    }
  }
}
