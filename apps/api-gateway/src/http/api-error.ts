import { HttpException, HttpStatus } from '@nestjs/common';
import type { ApiErrorResponse } from '@somnus/contracts';

/**
 * The one JSON error shape of the API, as the contracts declare it (libs/contracts/src/http/error.schema.ts);
 * the exception filter adds the correlation id on the way out.
 */
export interface ApiErrorBody {
  error: Omit<ApiErrorResponse['error'], 'correlationId'> & { correlationId?: string };
}

export class ApiError extends HttpException {
  constructor(status: HttpStatus, code: string, message: string, details?: string[]) {
    super({ error: { status, code, message, details } } satisfies ApiErrorBody, status);
  }
}

export const badRequest = (message: string, details?: string[]) => new ApiError(HttpStatus.BAD_REQUEST, 'invalid', message, details);
export const notFound = (message: string) => new ApiError(HttpStatus.NOT_FOUND, 'not-found', message);
export const conflict = (message: string) => new ApiError(HttpStatus.CONFLICT, 'conflict', message);
