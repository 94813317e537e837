/** Who is calling, from the verified token. Recorded as `metadata.actor` on every event it causes. */
export const ROLES = ['municipality', 'coordinator', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  sub: string;
  role: Role;
  /** Municipality numbers the caller acts for (role `municipality`). */
  municipalities: string[];
  /** The caller's Bufetat region (role `coordinator`). */
  region?: string;
}
