import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { Cause } from '@somnus/contracts';
import { injectTraceContext } from '@somnus/telemetry';
import type { Caller } from '../auth/api-tokens.service';

export const CORRELATION_HEADER = 'x-correlation-id';

export interface SomnusRequest extends Request {
  correlationId?: string;
  caller?: Caller;
}

/** A client's correlation id when it is sane (a trace can be followed end to end), else a new one. */
export function correlationIdOf(request: SomnusRequest): string {
  if (!request.correlationId) {
    const given = request.header(CORRELATION_HEADER);
    request.correlationId = given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
  }
  return request.correlationId;
}

/** Who asked and in which chain: the token's name is the actor of every command this request causes. */
export function causeOf(request: SomnusRequest): Cause {
  if (!request.caller) throw new Error('causeOf() needs an authenticated request');
  const trace = injectTraceContext();
  return { actor: request.caller.name, correlationId: correlationIdOf(request), traceparent: trace.traceparent, tracestate: trace.tracestate };
}
