import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * The one envelope every message travels in, modelled on CloudEvents 1.0 with Somnus' extensions:
 * who asked (`actor`), which request started the chain (`correlationId`), which message caused this one
 * (`causationId`) and the W3C trace context.
 */
export const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(128),
  type: z.string().min(1),
  source: z.string().min(1),
  time: z.string().datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json').optional(),
  data: z.unknown(),
  actor: z.string().min(1),
  correlationId: z.string().min(1),
  causationId: z.string().optional(),
  traceparent: z.string().optional(),
  tracestate: z.string().optional(),
});

export interface Envelope<T = unknown> {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string;
  datacontenttype?: 'application/json';
  data: T;
  /** Token name, `user:<name>`, `policy:<name>` or `system:<component>`. */
  actor: string;
  correlationId: string;
  causationId?: string;
  traceparent?: string;
  tracestate?: string;
}

/** What caused a message: the actor that asked and the chain it belongs to. */
export interface Cause {
  actor: string;
  correlationId: string;
  causationId?: string;
  traceparent?: string;
  tracestate?: string;
}

export function newMessageId(): string {
  return randomUUID();
}

/** The cause of a message emitted while handling `parent`: same actor and correlation, caused by it. */
export function causedBy(parent: Envelope): Cause {
  return {
    actor: parent.actor,
    correlationId: parent.correlationId,
    causationId: parent.id,
    traceparent: parent.traceparent,
    tracestate: parent.tracestate,
  };
}

/** A new envelope for `data` of message type `type`, caused by `cause`; the time is a parameter (no clock). */
export function createEnvelope<T>(type: string, data: T, init: { source: string; subject?: string; cause: Cause; time: Date; id?: string }): Envelope<T> {
  return {
    specversion: '1.0',
    id: init.id ?? newMessageId(),
    type,
    source: init.source,
    time: init.time.toISOString(),
    subject: init.subject,
    data,
    actor: init.cause.actor,
    correlationId: init.cause.correlationId,
    causationId: init.cause.causationId,
    traceparent: init.cause.traceparent,
    tracestate: init.cause.tracestate,
  };
}
