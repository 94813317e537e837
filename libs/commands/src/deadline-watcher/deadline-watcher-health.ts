import { gauge, type CheckResult, type ReadinessCheck } from '@bistand/ops/readiness';
import type { FailingRows, RowFailure } from './failing-rows';

/**
 * With no finished sweep (and no page of one) for this long the watcher counts as not working:
 * it sweeps every second, so this is many missed sweeps, not one slow one.
 */
export const STALL_AFTER_MS = 30_000;

export interface SweepSummary {
  /** Rows the watcher decided on (a miss appended, or nothing to append). */
  judged: number;
  /** `OfferDeadlineMissed` events appended. */
  recorded: number;
  /** Rows that failed this sweep. */
  failed: number;
  /** Rows passed by because they are waiting out a backoff after failing. */
  waiting: number;
}

/** What the watcher did, kept for `/health/ready` and `/metrics`. */
export class DeadlineWatcherHealth {
  startedAt = new Date();
  lastSweepAt?: Date;
  lastSweep?: SweepSummary & { durationMs: number };
  /** The last time the watcher got through a page or a sweep: a long catch-up is progress too. */
  lastProgressAt?: Date;
  judgedTotal = 0;
  recordedTotal = 0;
  failuresTotal = 0;
  lastFailure?: RowFailure;
  sweepErrorsTotal = 0;
  lastSweepError?: { error: string; at: Date };

  constructor(readonly failing: FailingRows) {}

  started(now: Date): void {
    this.startedAt = now;
  }

  progressed(now: Date): void {
    this.lastProgressAt = now;
  }

  rowJudged(recorded: boolean): void {
    this.judgedTotal++;
    if (recorded) this.recordedTotal++;
  }

  rowFailed(failure: RowFailure): void {
    this.failuresTotal++;
    this.lastFailure = failure;
  }

  sweepFinished(summary: SweepSummary, startedAt: Date, now: Date): void {
    this.lastSweepAt = now;
    this.lastProgressAt = now;
    this.lastSweep = { ...summary, durationMs: now.getTime() - startedAt.getTime() };
  }

  sweepFailed(error: string, now: Date): void {
    this.sweepErrorsTotal++;
    this.lastSweepError = { error, at: now };
  }

  /** Seconds since the last finished sweep (since start when none finished yet). */
  lastSweepAgeSeconds(now: Date): number {
    return Math.max(0, (now.getTime() - (this.lastSweepAt ?? this.startedAt).getTime()) / 1000);
  }
}

/**
 * `not_ready` when the watcher has made no progress for STALL_AFTER_MS (deadlines would pass
 * unjudged), `degraded` while some request cannot be judged (a person must look at it), else `ready`.
 */
export function assessDeadlineWatcher(health: DeadlineWatcherHealth, now: Date): CheckResult {
  const sinceProgressMs = now.getTime() - (health.lastProgressAt ?? health.startedAt).getTime();
  const failing = health.failing.list();
  const level = sinceProgressMs > STALL_AFTER_MS ? 'not_ready' : failing.length > 0 ? 'degraded' : 'ready';
  return {
    level,
    detail: {
      lastSweepAt: health.lastSweepAt?.toISOString() ?? null,
      lastSweepAgeSeconds: round(health.lastSweepAgeSeconds(now)),
      lastSweep: health.lastSweep ?? null,
      judgedTotal: health.judgedTotal,
      recordedTotal: health.recordedTotal,
      failuresTotal: health.failuresTotal,
      failingRows: failing.length,
      lastFailure: health.lastFailure
        ? { requestId: health.lastFailure.requestId, error: health.lastFailure.error, at: health.lastFailure.failedAt.toISOString(), attempts: health.lastFailure.attempts }
        : null,
      ...(health.lastSweepError ? { lastSweepError: { error: health.lastSweepError.error, at: health.lastSweepError.at.toISOString() } } : {}),
    },
  };
}

export function deadlineWatcherCheck(health: DeadlineWatcherHealth, clock: () => Date = () => new Date()): ReadinessCheck {
  return {
    name: 'deadlineWatcher',
    check: () => assessDeadlineWatcher(health, clock()),
    metrics: () =>
      [
        gauge('bistand_deadline_watcher_last_sweep_age_seconds', 'Seconds since the deadline watcher last finished a sweep', round(health.lastSweepAgeSeconds(clock()))),
        gauge('bistand_deadline_watcher_judged_total', 'Requests whose passed offer deadline the watcher judged', health.judgedTotal, 'counter'),
        gauge('bistand_deadline_watcher_recorded_total', 'OfferDeadlineMissed events the watcher appended', health.recordedTotal, 'counter'),
        gauge('bistand_deadline_watcher_failures_total', 'Times a request could not be judged (each try counts)', health.failuresTotal, 'counter'),
        gauge('bistand_deadline_watcher_failing_rows', 'Requests with a passed deadline the watcher currently cannot judge', health.failing.size),
        gauge('bistand_deadline_watcher_sweep_errors_total', 'Sweeps that failed as a whole (e.g. the read models did not answer)', health.sweepErrorsTotal, 'counter'),
      ].join(''),
  };
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
