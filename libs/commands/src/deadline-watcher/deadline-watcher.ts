import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { decidePlacementRequest } from '@bistand/placement/placement-request/placement-request.decider';
import { requestHash } from '@bistand/placement/deterministic-id';
import type { Actor } from '@bistand/auth/actor';
import { CommandRunner } from '../pipeline/command-runner';
import { placementRequestModel, placementRequestStream } from '../placement-requests/placement-request.stream';

/** How often the watcher looks for passed deadlines: well inside the 5 s the product promises. */
const POLL_INTERVAL_MS = 1_000;
/**
 * A backdated request whose deadline has already passed is judged only this long after it was
 * recorded, so an offer registered right behind it ("together") is counted first.
 */
const REGISTRATION_GRACE_MS = 2_000;
const BATCH = 100;

export const SYSTEM_ACTOR = { sub: 'system', role: 'system' } as unknown as Actor;

/**
 * Appends `OfferDeadlineMissed` to every request whose offer deadline passed with no offer, also
 * for deadlines that passed while the product was down. Safe to run twice at once: the event id
 * follows from the request and the deadline, and the append expects the revision it decided on.
 */
@Injectable()
export class DeadlineWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeadlineWatcher');
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopped = false;

  constructor(
    private readonly readModels: Pool,
    private readonly runner: CommandRunner,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Judges every deadline that is due now; returns how many misses it recorded. */
  async sweep(now = new Date()): Promise<number> {
    const { rows } = await this.readModels.query<{ request_id: string; offer_deadline: Date; deadline_policy: string }>(
      `SELECT request_id, offer_deadline, deadline_policy FROM rm_requests
        WHERE deadline_state = 'pending' AND offer_deadline <= $1 AND recorded_at <= $2
        ORDER BY offer_deadline LIMIT $3`,
      [now, new Date(now.getTime() - REGISTRATION_GRACE_MS), BATCH],
    );
    let recorded = 0;
    for (const row of rows) {
      if (this.stopped) break;
      const result = await this.judge(row.request_id, row.offer_deadline, row.deadline_policy, now);
      if (result === 'appended') recorded++;
    }
    return recorded;
  }

  private async judge(requestId: string, deadline: Date, policyVersion: string, now: Date): Promise<string> {
    const key = `offer-deadline:${deadline.toISOString()}`;
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
      decide: ({ state }) => decidePlacementRequest({ type: 'MarkOfferDeadlineMissed', deadline, policyVersion }, state, { occurredAt: deadline, now }),
    });
    return result.outcome;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().catch((error: unknown) => {
        this.logger.warn(`sweep failed, retrying: ${error instanceof Error ? error.message : String(error)}`);
        return 0;
      });
      void this.running.then((recorded) => this.schedule(recorded === BATCH ? 0 : POLL_INTERVAL_MS));
    }, delayMs);
  }
}
