import { SYSTEM_ACTOR, deadlineJudgementKey } from './deadline-watcher';
import { DeadlineWatcherHealth, STALL_AFTER_MS, assessDeadlineWatcher, deadlineWatcherCheck } from './deadline-watcher-health';
import { FailingRows, retryDelayMs } from './failing-rows';
import { deterministicUuid } from '@bistand/placement/deterministic-id';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

describe('deadline watcher: one judgement per request', () => {
  it('gives two requests sharing a deadline instant different idempotency keys, hence different event ids', () => {
    const deadline = new Date('2026-03-02T10:00:00.000Z');
    const first = deadlineJudgementKey('7c2e4f7a-3f39-4c43-9a55-1c8f7d1b9a01', deadline);
    const second = deadlineJudgementKey('0b6a1c2e-5d4f-4e3a-8b7c-6d5e4f3a2b1c', deadline);
    expect(first).not.toBe(second);
    // The command runner's event id for the first event of a command (command-runner.ts).
    const eventId = (key: string) => deterministicUuid(`${SYSTEM_ACTOR.sub}\n${key}\n0`);
    expect(eventId(first)).not.toBe(eventId(second));
  });

  it('keeps the key the same for the same request and deadline, so two watchers append one event', () => {
    const deadline = new Date('2026-03-02T10:00:00.000Z');
    expect(deadlineJudgementKey('7c2e4f7a-3f39-4c43-9a55-1c8f7d1b9a01', deadline)).toBe(deadlineJudgementKey('7c2e4f7a-3f39-4c43-9a55-1c8f7d1b9a01', new Date(deadline)));
  });
});

describe('deadline watcher: failing rows back off', () => {
  it('doubles the wait after each failure, up to five minutes', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(retryDelayMs(50)).toBe(300_000);
    expect(retryDelayMs(10_000)).toBe(300_000);
  });

  it('passes a failed row by until its retry time, and forgets it once judged', () => {
    const rows = new FailingRows();
    rows.failed('a', 'boom', at(0));
    expect(rows.isWaiting('a', at(999))).toBe(true);
    expect(rows.isWaiting('a', at(1_000))).toBe(false);
    expect(rows.isWaiting('b', at(0))).toBe(false);
    expect(rows.failed('a', 'boom', at(1_000)).retryAt).toEqual(at(3_000));
    rows.judged('a');
    expect(rows.size).toBe(0);
  });

  it('forgets rows that a complete sweep no longer found due', () => {
    const rows = new FailingRows();
    rows.failed('a', 'boom', at(0));
    rows.failed('b', 'boom', at(0));
    rows.keepOnly(new Set(['b']));
    expect(rows.list().map((row) => row.requestId)).toEqual(['b']);
  });
});

describe('deadline watcher: readiness', () => {
  const summary = { judged: 3, recorded: 2, failed: 0, waiting: 0 };

  it('is ready after a sweep with nothing failing', () => {
    const health = new DeadlineWatcherHealth(new FailingRows());
    health.started(at(0));
    health.sweepFinished(summary, at(0), at(500));
    expect(assessDeadlineWatcher(health, at(1_500))).toMatchObject({ level: 'ready', detail: { lastSweepAgeSeconds: 1, failingRows: 0 } });
  });

  it('is ready at start, before the first sweep finished', () => {
    const health = new DeadlineWatcherHealth(new FailingRows());
    health.started(at(0));
    expect(assessDeadlineWatcher(health, at(1_000)).level).toBe('ready');
  });

  it('is degraded while a request cannot be judged, naming it and the error', () => {
    const failing = new FailingRows();
    const health = new DeadlineWatcherHealth(failing);
    health.started(at(0));
    health.rowFailed(failing.failed('req-1', 'STREAM.UNREADABLE: bad event', at(100)));
    health.sweepFinished({ ...summary, failed: 1 }, at(0), at(200));
    expect(assessDeadlineWatcher(health, at(300))).toMatchObject({
      level: 'degraded',
      detail: { failuresTotal: 1, failingRows: 1, lastFailure: { requestId: 'req-1', error: 'STREAM.UNREADABLE: bad event' }, lastSweep: { failed: 1 } },
    });
  });

  it('is not ready when no sweep finished for 30 s, even right after start', () => {
    const health = new DeadlineWatcherHealth(new FailingRows());
    health.started(at(0));
    expect(assessDeadlineWatcher(health, at(STALL_AFTER_MS + 1)).level).toBe('not_ready');
    health.sweepFinished(summary, at(0), at(10_000));
    expect(assessDeadlineWatcher(health, at(10_000 + STALL_AFTER_MS)).level).toBe('ready');
    expect(assessDeadlineWatcher(health, at(10_001 + STALL_AFTER_MS)).level).toBe('not_ready');
  });

  it('counts a long catch-up sweep that finishes pages as progress', () => {
    const health = new DeadlineWatcherHealth(new FailingRows());
    health.started(at(0));
    health.progressed(at(25_000));
    expect(assessDeadlineWatcher(health, at(50_000)).level).toBe('ready');
  });

  it('exports the last sweep age, judged and failure counters as Prometheus text', async () => {
    const failing = new FailingRows();
    const health = new DeadlineWatcherHealth(failing);
    health.started(at(0));
    health.rowJudged(true);
    health.rowJudged(false);
    health.rowFailed(failing.failed('req-1', 'boom', at(0)));
    health.sweepFinished(summary, at(0), at(1_000));
    const text = await deadlineWatcherCheck(health, () => at(3_500)).metrics!();
    expect(text).toMatch(/^bistand_deadline_watcher_last_sweep_age_seconds 2\.5$/m);
    expect(text).toMatch(/^bistand_deadline_watcher_judged_total 2$/m);
    expect(text).toMatch(/^bistand_deadline_watcher_recorded_total 1$/m);
    expect(text).toMatch(/^bistand_deadline_watcher_failures_total 1$/m);
    expect(text).toMatch(/^bistand_deadline_watcher_failing_rows 1$/m);
    expect(text).toMatch(/^# TYPE bistand_deadline_watcher_failures_total counter$/m);
  });
});
