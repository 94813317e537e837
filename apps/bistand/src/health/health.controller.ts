import { Controller, Get, Header, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@bistand/auth/auth.guard';
import { Readiness, gauge } from '@bistand/ops/readiness';

@ApiTags('ops')
@Public()
@Controller()
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  @Get('health')
  @ApiOperation({ summary: 'Liveness: the process is up and serving' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @ApiOperation({ summary: 'Readiness: `ready` (200), `degraded` (200: working, but a person is needed) or `not_ready` (503)' })
  @ApiServiceUnavailableResponse({ description: 'A dependency does not answer, or the projections lag' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<unknown> {
    const report = await this.readiness.report();
    if (report.status === 'not_ready') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return report;
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  async metrics(): Promise<string> {
    return (await this.readiness.metrics()) + gauge('bistand_process_uptime_seconds', 'Seconds since the process started', Math.round(process.uptime()));
  }
}
