import { HttpException, HttpStatus } from '@nestjs/common';

/** The one JSON error shape of the API: `{ "error": { status, code, message, details?, correlationId } }`. */
export interface ApiErrorBody {
  error: { status: number; code: string; message: string; details?: string[]; correlationId?: string };
}

export class ApiError extends HttpException {
  constructor(status: HttpStatus, code: string, message: string, details?: string[]) {
    super({ error: { status, code, message, details } } satisfies ApiErrorBody, status);
  }
}

export const badRequest = (message: string, details?: string[]) => new ApiError(HttpStatus.BAD_REQUEST, 'invalid', message, details);
export const notFound = (message: string) => new ApiError(HttpStatus.NOT_FOUND, 'not-found', message);
export const conflict = (message: string) => new ApiError(HttpStatus.CONFLICT, 'conflict', message);
