import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable, tap } from 'rxjs';
import { createMetrics, ServiceMetrics } from '@somnus/telemetry';

/** The gateway's Prometheus registry (one per process, so tests can start several gateways). */
@Injectable()
export class GatewayMetrics {
  readonly metrics: ServiceMetrics = createMetrics('api-gateway');

  scrape() {
    return this.metrics.scrape();
  }
}

/** Counts and times every request by route template (never by raw path, which would explode cardinality). */
@Injectable()
export class HttpMetricsInterceptor implements NestInterceptor {
  constructor(private readonly gateway: GatewayMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const response = context.switchToHttp().getResponse<Response>();
    const started = process.hrtime.bigint();
    const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
    const record = () => {
      const labels = { method: request.method, route, status: String(response.statusCode) };
      this.gateway.metrics.httpRequests.inc(labels);
      this.gateway.metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    return next.handle().pipe(tap({ complete: record, error: record }));
  }
}
