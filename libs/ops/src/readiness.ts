import { Injectable } from '@nestjs/common';

/** `ready` 200; `degraded` 200 but a person is needed (PRODUCT.md §6); `not_ready` 503. */
export type ReadinessLevel = 'ready' | 'degraded' | 'not_ready';

export interface CheckResult {
  level: ReadinessLevel;
  /** Shown under `checks.<name>` in `/health/ready`, next to `status`. */
  detail: Record<string, unknown>;
}

/** One part of the product that can say whether it works: the projector, the watcher, parked events. */
export interface ReadinessCheck {
  /** Its key under `checks` in `/health/ready`. */
  readonly name: string;
  check(): Promise<CheckResult> | CheckResult;
  /** Its Prometheus text (with `# HELP` and `# TYPE` lines) for `/metrics`. */
  metrics?(): Promise<string> | string;
}

const SEVERITY: Record<ReadinessLevel, number> = { ready: 0, degraded: 1, not_ready: 2 };

/**
 * Where the product's parts register their health: `/health/ready` and `/metrics` read every
 * registered check, so a new part shows up there by registering, without touching the controller.
 */
@Injectable()
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    this.checks.set(check.name, check);
  }

  unregister(name: string): void {
    this.checks.delete(name);
  }

  /** Every check's answer; a check that throws counts as `not_ready` with its error. */
  async report(): Promise<{ status: ReadinessLevel; checks: Record<string, Record<string, unknown>> }> {
    const entries = await Promise.all(
      [...this.checks.values()].map(async (check): Promise<[string, CheckResult]> => {
        try {
          return [check.name, await check.check()];
        } catch (error) {
          return [check.name, { level: 'not_ready', detail: { error: error instanceof Error ? error.message : String(error) } }];
        }
      }),
    );
    let status: ReadinessLevel = 'ready';
    const checks: Record<string, Record<string, unknown>> = {};
    for (const [name, result] of entries) {
      if (SEVERITY[result.level] > SEVERITY[status]) status = result.level;
      checks[name] = { status: result.level, ...result.detail };
    }
    return { status, checks };
  }

  async metrics(): Promise<string> {
    const parts = await Promise.all([...this.checks.values()].map(async (check) => (check.metrics ? check.metrics() : '')));
    return parts.join('');
  }
}

/** One Prometheus gauge in text form. */
export function gauge(name: string, help: string, value: number | bigint, type: 'gauge' | 'counter' = 'gauge'): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value.toString()}\n`;
}
