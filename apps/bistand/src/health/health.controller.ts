import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@bistand/auth/auth.guard';
import { formatPosition } from '@bistand/event-store/positions';
import { Projector } from '@bistand/projections/projector';

/** Above this the read models count as not ready: queries would answer from stale data. */
const READY_LAG_SECONDS = 30;

@ApiTags('ops')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly projector: Projector) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: the event store answers, the read models are caught up' })
  @ApiServiceUnavailableResponse({ description: 'A dependency does not answer, or the projections lag' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<unknown> {
    try {
      const lag = await this.projector.lag();
      const failure = this.projector.lastFailure;
      const caughtUp = lag.seconds <= READY_LAG_SECONDS && !failure;
      if (!caughtUp) response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return {
        status: caughtUp ? 'ready' : 'not_ready',
        checks: {
          eventStore: { status: 'up', headPosition: formatPosition(lag.head) },
          readModels: {
            status: caughtUp ? 'up' : 'behind',
            checkpoint: formatPosition(lag.checkpoint),
            lagEvents: lag.events,
            lagSeconds: Math.round(lag.seconds * 1000) / 1000,
            ...(failure ? { error: failure instanceof Error ? failure.message : String(failure) } : {}),
          },
        },
      };
    } catch (error) {
      response.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'not_ready', checks: { eventStore: { status: 'down', error: error instanceof Error ? error.message : String(error) } } };
    }
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  async metrics(): Promise<string> {
    const lag = await this.projector.lag();
    const gauge = (name: string, help: string, value: number | bigint) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value.toString()}\n`;
    return [
      gauge('bistand_event_store_head_position', 'Global position of the newest event readers can see', lag.head),
      gauge('bistand_projection_checkpoint_position', 'Position up to which every read model has committed', lag.checkpoint),
      gauge('bistand_projection_lag_events', 'Events not yet applied to the read models (counted up to 10000)', lag.events),
      gauge('bistand_projection_lag_seconds', 'Age of the oldest event not yet applied to the read models', lag.seconds),
      gauge('bistand_process_uptime_seconds', 'Seconds since the process started', Math.round(process.uptime())),
    ].join('');
  }
}
