import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { withSpan } from '@somnus/telemetry';
import { CORRELATION_HEADER, correlationIdOf, SomnusRequest } from './request-context';

/** A span per API request, continuing the caller's `traceparent` when it sends one; the correlation id goes back. */
@Injectable()
export class RequestTracingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<SomnusRequest>();
    context.switchToHttp().getResponse<Response>().setHeader(CORRELATION_HEADER, correlationIdOf(request));
    const route = (request.route as { path?: string } | undefined)?.path ?? request.path;
    const traceparent = request.header('traceparent');
    return from(
      withSpan(`${request.method} ${route}`, { 'http.request.method': request.method, 'http.route': route }, () => lastValueFrom(next.handle(), { defaultValue: undefined }), traceparent ? { traceparent } : undefined),
    );
  }
}
