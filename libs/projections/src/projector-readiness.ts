import { formatPosition } from '@bistand/event-store/positions';
import { gauge, type CheckResult, type ReadinessCheck } from '@bistand/ops/readiness';
import type { Projector } from './projector';

/** Above this the read models count as not ready: queries would answer from stale data. */
const READY_LAG_SECONDS = 30;

/** The event store and the read models' checkpoint and lag, for `/health/ready` and `/metrics`. */
export function projectorChecks(projector: Projector): ReadinessCheck[] {
  // One reading of the lag serves both checks of one report (it reads up to 10,000 events).
  let reading: { at: number; lag: ReturnType<Projector['lag']> } | undefined;
  const lag = () => {
    if (!reading || Date.now() - reading.at > 100) reading = { at: Date.now(), lag: projector.lag() };
    return reading.lag;
  };
  return [
    {
      name: 'eventStore',
      async check(): Promise<CheckResult> {
        try {
          const { head } = await lag();
          return { level: 'ready', detail: { headPosition: formatPosition(head) } };
        } catch (error) {
          return { level: 'not_ready', detail: { error: error instanceof Error ? error.message : String(error) } };
        }
      },
    },
    {
      name: 'readModels',
      async check(): Promise<CheckResult> {
        const current = await lag();
        const failure = projector.lastFailure;
        const caughtUp = current.seconds <= READY_LAG_SECONDS && !failure;
        return {
          level: caughtUp ? 'ready' : 'not_ready',
          detail: {
            checkpoint: formatPosition(current.checkpoint),
            lagEvents: current.events,
            lagSeconds: Math.round(current.seconds * 1000) / 1000,
            ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
          },
        };
      },
      async metrics(): Promise<string> {
        const current = await lag();
        return [
          gauge('bistand_event_store_head_position', 'Global position of the newest event readers can see', current.head),
          gauge('bistand_projection_checkpoint_position', 'Position up to which every read model has committed', current.checkpoint),
          gauge('bistand_projection_lag_events', 'Events not yet applied to the read models (counted up to 10000)', current.events),
          gauge('bistand_projection_lag_seconds', 'Age of the oldest event not yet applied to the read models', current.seconds),
        ].join('');
      },
    },
  ];
}
