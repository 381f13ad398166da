import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ReadinessProbe } from './readiness';

export const READINESS = Symbol('READINESS');

/** `/healthz`: the process is alive. `/readyz`: every dependency answers (503 with each one's state otherwise). */
@ApiTags('health')
@Controller()
export class HealthController {
  constructor(@Inject(READINESS) private readonly readiness: ReadinessProbe) {}

  @Get('healthz')
  alive(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  async ready(@Res({ passthrough: true }) response: Response) {
    const state = await this.readiness.check();
    response.status(state.ok ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: state.ok ? 'ready' : 'not-ready', dependencies: state.dependencies };
  }
}
