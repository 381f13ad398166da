import type { Envelope } from '@somnus/contracts';
import type { BusInstrumentation } from '@somnus/bus';
import { withSpan } from '@somnus/telemetry';

/**
 * Every handler runs in a span that continues the trace of the message it handles (its `traceparent`),
 * so one request can be followed from the gateway across the bus into every handler it causes.
 */
export const tracingInstrumentation: BusInstrumentation = {
  aroundHandler<T>(consumer: string, envelope: Envelope, run: () => Promise<T>): Promise<T> {
    const carrier: Record<string, string> = {};
    if (envelope.traceparent) carrier.traceparent = envelope.traceparent;
    if (envelope.tracestate) carrier.tracestate = envelope.tracestate;
    return withSpan(
      `handle ${envelope.type}`,
      { 'messaging.system': 'somnus', 'messaging.consumer': consumer, 'messaging.message.id': envelope.id, 'somnus.correlation_id': envelope.correlationId, 'somnus.actor': envelope.actor },
      () => run(),
      envelope.traceparent ? carrier : undefined,
    );
  },
};
