/**
 * The assistance-duty policy (PRODUCT.md §4). Every breach records the version it was judged
 * under; change the numbers only together with a new version, so old breaches keep theirs.
 */
export interface BreachPolicy {
  version: string;
  /** Bufdir's practice norm for an acute offer. */
  acuteOfferDeadlineHours: number;
  /** A planned request's offer is due on this working day after the request (Europe/Oslo). */
  plannedOfferWorkingDays: number;
  /** No official threshold exists: a policy setting. */
  farFromHomeKm: number;
  plannedNeededByGraceHours: number;
  acuteNeededByGraceHours: number;
}

export const DEFAULT_BREACH_POLICY: BreachPolicy & { effectiveFrom: string } = {
  version: '2025-1',
  effectiveFrom: '2000-01-01T00:00:00Z',
  acuteOfferDeadlineHours: 2,
  plannedOfferWorkingDays: 10,
  farFromHomeKm: 150,
  plannedNeededByGraceHours: 24,
  acuteNeededByGraceHours: 0,
};

/**
 * Every policy that has been in force, oldest first. A new version is added here with the instant
 * it takes effect; events recorded before that keep being judged under the older one, so a rebuild
 * yields the same register.
 */
export const POLICY_HISTORY: readonly (BreachPolicy & { effectiveFrom: string })[] = [DEFAULT_BREACH_POLICY];

/** The policy in force when a fact was recorded. */
export function policyInForce(recordedAt: Date): BreachPolicy {
  let current = POLICY_HISTORY[0];
  for (const policy of POLICY_HISTORY) if (Date.parse(policy.effectiveFrom) <= recordedAt.getTime()) current = policy;
  return current;
}
