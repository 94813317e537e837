import type { CheckResult, ReadinessCheck } from '@bistand/ops/readiness';
import type { ParkedEvents } from './parked-events';

const METRIC = 'bistand_projection_parked_events';

/**
 * `parkedEvents` in `/health/ready`: `degraded` while any event is parked (the API answers, but a
 * person must look: some streams are missing from some read models), with the count per
 * projection; and `bistand_projection_parked_events` in `/metrics`, per projection and in total.
 */
export function parkedEventsCheck(parked: ParkedEvents, projections: readonly string[]): ReadinessCheck {
  return {
    name: 'parkedEvents',
    async check(): Promise<CheckResult> {
      const counts = await parked.counts();
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      return { level: total > 0 ? 'degraded' : 'ready', detail: { count: total, projections: counts } };
    },
    async metrics(): Promise<string> {
      const counts = await parked.counts();
      const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
      const lines = [
        `# HELP ${METRIC} Events set aside because a projection could not apply them (total without a label)`,
        `# TYPE ${METRIC} gauge`,
        `${METRIC} ${total}`,
        // Every projection is listed, also at 0, so an alert can watch each series.
        ...projections.map((name) => `${METRIC}{projection="${name}"} ${counts[name] ?? 0}`),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}
