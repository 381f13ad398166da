import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { maskSecrets } from '@somnus/telemetry';
import { ApiErrorBody } from './api-error';
import { CORRELATION_HEADER, correlationIdOf, SomnusRequest } from './request-context';

const CODES: Record<number, string> = { 400: 'invalid', 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed', 409: 'conflict', 413: 'too-large', 415: 'unsupported-media-type', 429: 'rate-limited', 503: 'unavailable' };

/** Every error leaves in the one shape, with the correlation id; never a stack trace or a secret. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('api');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<SomnusRequest>();
    const response = http.getResponse<Response>();
    const correlationId = correlationIdOf(request);
    let body: ApiErrorBody;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'object' && payload && 'error' in payload && typeof (payload as ApiErrorBody).error === 'object') {
        body = payload as ApiErrorBody;
      } else {
        const message = typeof payload === 'string' ? payload : ((payload as { message?: unknown }).message ?? exception.message);
        body = { error: { status, code: CODES[status] ?? 'error', message: Array.isArray(message) ? message.join('; ') : String(message) } };
      }
    } else {
      this.logger.error(`unhandled error on ${request.method} ${request.path} (${correlationId}): ${maskSecrets(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception))}`);
      body = { error: { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal', message: `something went wrong; quote correlation id ${correlationId} when reporting it` } };
    }
    body.error.message = maskSecrets(body.error.message);
    body.error.correlationId = correlationId;
    response.setHeader(CORRELATION_HEADER, correlationId);
    response.status(body.error.status).json(body);
  }
}
