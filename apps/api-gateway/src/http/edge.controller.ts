import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { SERVICE_INFRASTRUCTURE, ServiceInfrastructure } from '@somnus/runtime';
import { Public } from '../auth/roles.decorator';
import { GatewayMetrics } from './gateway.metrics';

/** The unauthenticated edge: liveness, readiness with each dependency's state, Prometheus metrics. */
@Public()
@Controller()
export class EdgeController {
  constructor(
    @Inject(SERVICE_INFRASTRUCTURE) private readonly infrastructure: ServiceInfrastructure,
    private readonly metrics: GatewayMetrics,
  ) {}

  @Get('healthz')
  alive() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res({ passthrough: true }) response: Response) {
    const state = await this.infrastructure.readiness.check();
    response.status(state.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: state.ok ? 'ready' : 'not-ready', dependencies: state.dependencies };
  }

  @Get('metrics')
  async scrape(@Res() response: Response) {
    const { contentType, body } = await this.metrics.scrape();
    response.setHeader('content-type', contentType);
    response.send(body);
  }
}
