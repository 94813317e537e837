import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Pool } from 'pg';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import { requestHash } from '@bistand/placement/deterministic-id';
import type { Actor } from '@bistand/auth/actor';
import { isConnectionError } from '@bistand/event-store/postgres/connection-errors';
import { Readiness } from '@bistand/ops/readiness';
import { CommandRunner } from '../pipeline/command-runner';
import { placementRequestModel, placementRequestStream } from '../placement-requests/placement-request.stream';
import { DeadlineWatcherHealth, deadlineWatcherCheck, type SweepSummary } from './deadline-watcher-health';
import { readDueDeadlines, type DueDeadline, type DueDeadlineCursor } from './due-deadlines';
import { FailingRows } from './failing-rows';

/** How often the watcher looks for passed deadlines: well inside the 5 s the product promises. */
const POLL_INTERVAL_MS = 1_000;
/**
 * A backdated request whose deadline has already passed is judged only this long after it was
 * recorded, so an offer registered right behind it ("together") is counted first.
 */
const REGISTRATION_GRACE_MS = 2_000;
/** Due rows read per page; a sweep pages on until every due row was seen. */
const PAGE_SIZE = 100;
/** Requests judged at once: each is its own stream, so they do not contend. */
const PARALLEL_JUDGEMENTS = 4;
/** Error texts kept for `/health/ready` are cut here. */
const MAX_ERROR_LENGTH = 300;

export const SYSTEM_ACTOR = { sub: 'system', role: 'system' } as unknown as Actor;

/**
 * The watcher's Idempotency-Key for one request's deadline. It names the request as well as the
 * deadline: the command runner derives event ids from the actor and this key, and two requests
 * sharing a deadline instant must not get the same event id (the second append would be refused
 * as a reused id and that request never judged).
 */
export function deadlineJudgementKey(requestId: string, deadline: Date): string {
  return `offer-deadline:${requestId}:${deadline.toISOString()}`;
}

/**
 * Appends `OfferDeadlineMissed` to every request whose offer deadline passed with no offer, also
 * for deadlines that passed while the product was down. Each request is judged on its own: a row
 * that fails is counted, backed off and passed by, and the sweep goes on to every other due row.
 * Safe to run twice at once (two instances on one database): the event id follows from the
 * request and the deadline, and the append expects the revision it decided on.
 */
@Injectable()
export class DeadlineWatcher implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadlineWatcher');
  private readonly failing = new FailingRows();
  readonly health = new DeadlineWatcherHealth(this.failing);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  constructor(
    private readonly readModels: Pool,
    private readonly runner: CommandRunner,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register(deadlineWatcherCheck(this.health));
  }

  onApplicationBootstrap(): void {
    this.health.started(new Date());
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Judges every deadline that is due at `now`, page by page; a failing row never ends the sweep. */
  async sweep(now = new Date()): Promise<SweepSummary> {
    const startedAt = new Date();
    const summary: SweepSummary = { judged: 0, recorded: 0, failed: 0, waiting: 0 };
    const due = new Set<string>();
    let after: DueDeadlineCursor | undefined;
    do {
      const page = await readDueDeadlines(this.readModels, { now, recordedBefore: new Date(now.getTime() - REGISTRATION_GRACE_MS), after, limit: PAGE_SIZE });
      for (const row of page.rows) due.add(row.requestId);
      const ready = page.rows.filter((row) => !this.failing.isWaiting(row.requestId, new Date()));
      summary.waiting += page.rows.length - ready.length;
      let lostConnection: unknown;
      await inParallel(ready, PARALLEL_JUDGEMENTS, async (row) => {
        if (this.stopped || lostConnection) return;
        const lost = await this.judgeOne(row, now, summary);
        if (lost !== undefined && lostConnection === undefined) lostConnection = lost;
      });
      // Not the row's fault: every row would fail alike, and backing them off would judge them
      // late once the database is back. The sweep ends here and the next one, a second later, retries.
      if (lostConnection) throw lostConnection;
      this.health.progressed(new Date());
      after = page.next;
    } while (after && !this.stopped);
    if (!this.stopped) this.failing.keepOnly(due);
    this.health.sweepFinished(summary, startedAt, new Date());
    return summary;
  }

  /** Judges one row, counting a failure against it; returns a connection error instead, which is not the row's. */
  private async judgeOne(row: DueDeadline, now: Date, summary: SweepSummary): Promise<unknown> {
    try {
      const outcome = await this.judge(row, now);
      this.failing.judged(row.requestId);
      summary.judged++;
      if (outcome === 'appended') summary.recorded++;
      this.health.rowJudged(outcome === 'appended');
      return undefined;
    } catch (error) {
      if (isConnectionError(error)) return error;
      const failure = this.failing.failed(row.requestId, describe(error), new Date());
      summary.failed++;
      this.health.rowFailed(failure);
      if (failure.attempts === 1 || failure.attempts % 10 === 0) {
        this.logger.warn(`could not judge the offer deadline of request ${row.requestId} (try ${failure.attempts}, next at ${failure.retryAt.toISOString()}): ${failure.error}`);
      }
      return undefined;
    }
  }

  private async judge({ requestId, deadline, policyVersion }: DueDeadline, now: Date): Promise<string> {
    const key = deadlineJudgementKey(requestId, deadline);
    const result = await this.runner.execute({
      id: requestId,
      streamId: placementRequestStream(requestId),
      model: placementRequestModel,
      metadata: {
        actor: SYSTEM_ACTOR,
        correlationId: requestId,
        causationId: key,
        idempotencyKey: key,
        requestHash: requestHash('offer-deadline', { requestId, deadline: deadline.toISOString() }),
        occurredAt: deadline,
        now,
      },
      // The system judges every request; there is no caller whose scope could exclude one.
      authorize: () => undefined,
      decide: ({ state }) => decidePlacementRequest({ type: 'MarkOfferDeadlineMissed', deadline, policyVersion }, state, { occurredAt: deadline, now }),
    });
    return result.outcome;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().then(
        () => undefined,
        (error: unknown) => {
          // A whole sweep fails only when the database does not answer (reading the due rows, or a judgement).
          this.health.sweepFailed(describe(error), new Date());
          this.logger.warn(`sweep failed, retrying: ${describe(error)}`);
        },
      );
      void this.running.then(() => this.schedule(POLL_INTERVAL_MS));
    }, delayMs);
  }
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const label = typeof code === 'string' ? code : error instanceof Error ? error.name : 'Error';
  const text = error instanceof Error ? `${label}: ${error.message}` : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

/** Runs `work` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
