import { Writable } from 'node:stream';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { at } from '@somnus/contracts';
import { createLogger } from './logger';
import { currentTraceId, injectTraceContext, startTracing, traceExporterFromEnv, TracingHandle, withSpan } from './tracing';

// A traceparent as another process (the gateway) would have written it: version-traceid-parentid-flags.
const gatewayTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const gatewaySpanId = '00f067aa0ba902b7';
const fromGateway = { traceparent: `00-${gatewayTraceId}-${gatewaySpanId}-01` };

describe('tracing', () => {
  let tracing: TracingHandle | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
  });

  describe('with the memory exporter', () => {
    beforeEach(() => {
      tracing = startTracing({ service: 'inventory', exporter: 'memory' });
    });
    const finished = () => tracing!.memoryExporter!.getFinishedSpans();
    /** The first two finished spans, in the order they ended; fails the test when there are fewer. */
    const firstSpans = () => [at(finished(), 0, 'first finished span'), at(finished(), 1, 'second finished span')] as const;
    const firstSpan = () => at(finished(), 0, 'finished span');

    it('continues the trace of an injected carrier: same trace id, the carrier span as parent', async () => {
      await withSpan('inventory.node.upsert handle', { 'messaging.destination': 'somnus.cmd.node.upsert' }, () => undefined, fromGateway);

      const span = firstSpan();
      expect(span.name).toBe('inventory.node.upsert handle');
      expect(span.spanContext().traceId).toBe(gatewayTraceId);
      expect(span.parentSpanContext?.spanId).toBe(gatewaySpanId);
      expect(span.spanContext().spanId).not.toBe(gatewaySpanId);
      expect(span.attributes['messaging.destination']).toBe('somnus.cmd.node.upsert');
    });

    it('carries one request across a hop: the handler span is the child of the publishing span', async () => {
      // Gateway side: a span around the request, whose context goes into the message headers.
      const headers = await withSpan('POST /api/v1/nodes', {}, () => injectTraceContext());
      expect(headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      // Consumer side, as a bus handler would run it.
      const seenInside = await withSpan('inventory handle', {}, () => currentTraceId(), headers);

      const [request, handler] = firstSpans();
      expect(handler.spanContext().traceId).toBe(request.spanContext().traceId);
      expect(handler.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
      expect(seenInside).toBe(request.spanContext().traceId);
    });

    it('nests spans started inside a span without any carrier', async () => {
      await withSpan('wake decision', {}, () => withSpan('pick nodes', {}, () => undefined));
      const [inner, outer] = firstSpans();
      expect(inner.name).toBe('pick nodes');
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(outer.parentSpanContext).toBeUndefined();
    });

    it('records a failure on the span, masked, and rethrows it', async () => {
      const failing = withSpan('audit append', {}, async () => {
        throw new Error('insert failed: postgres://audit:hunter2@db/somnus');
      });
      await expect(failing).rejects.toThrow('hunter2');

      const span = firstSpan();
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'insert failed: postgres://audit:***@db/somnus' });
      expect(JSON.stringify(span.events)).not.toContain('hunter2');
      expect(span.ended).toBe(true);
    });

    it('puts the active trace and span ids on log lines written inside a span', async () => {
      const lines: string[] = [];
      const destination = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      });
      const logger = createLogger({ service: 'inventory', level: 'info', destination });
      await withSpan('handle', {}, () => logger.info('inside'), fromGateway);
      logger.info('outside');

      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const [inside, outside] = [at(records, 0, 'log line inside the span'), at(records, 1, 'log line outside')];
      expect(inside).toMatchObject({ traceId: gatewayTraceId, spanId: firstSpan().spanContext().spanId });
      expect(outside.traceId).toBeUndefined();
    });

    it('starts once per process: the same exporter gets the running setup, another one is refused', () => {
      expect(startTracing({ service: 'power', exporter: 'memory' })).toBe(tracing);
      expect(() => startTracing({ service: 'power', exporter: 'console' })).toThrow(/already started/);
    });
  });

  describe('with tracing off', () => {
    beforeEach(() => {
      tracing = startTracing({ service: 'lifecycle', exporter: 'none' });
    });

    it('records nothing but passes the incoming trace context on', async () => {
      const outgoing = await withSpan(
        'lifecycle handle',
        {},
        (span) => {
          expect(span.isRecording()).toBe(false);
          return injectTraceContext();
        },
        fromGateway,
      );
      expect(outgoing.traceparent).toBe(fromGateway.traceparent);
      expect(trace.getActiveSpan()).toBeUndefined();
    });

    it('still runs the work and returns its result', async () => {
      await expect(withSpan('no-op', {}, async () => 42)).resolves.toBe(42);
    });
  });

  describe('traceExporterFromEnv', () => {
    it('defaults to none and rejects unknown exporters with the accepted list', () => {
      expect(traceExporterFromEnv({})).toBe('none');
      expect(traceExporterFromEnv({ OTEL_TRACES_EXPORTER: 'OTLP' })).toBe('otlp');
      expect(() => traceExporterFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/none, otlp, console, memory/);
    });
  });
});
