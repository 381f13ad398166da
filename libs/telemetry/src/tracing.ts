import {
  Attributes,
  context,
  Context,
  propagation,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  Tracer,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { core, NodeSDK, tracing } from '@opentelemetry/sdk-node';
import { maskSecrets } from './mask-secrets';

/**
 * Where spans go, from `OTEL_TRACES_EXPORTER`: `none` (the default: no spans are recorded), `otlp` (OTLP over
 * HTTP to `OTEL_EXPORTER_OTLP_ENDPOINT`, default http://localhost:4318), `console` (stdout, for a developer),
 * `memory` (kept in the process, for tests).
 */
export type TraceExporterKind = 'none' | 'otlp' | 'console' | 'memory';

const EXPORTER_KINDS: readonly TraceExporterKind[] = ['none', 'otlp', 'console', 'memory'];

export interface TracingConfig {
  service: string;
  /** Defaults to `OTEL_TRACES_EXPORTER`, else `none`. */
  exporter?: TraceExporterKind;
  /** Full OTLP traces URL (`http://collector:4318/v1/traces`); defaults to what the OTEL_* environment says. */
  otlpTracesUrl?: string;
}

export interface TracingHandle {
  readonly service: string;
  readonly exporter: TraceExporterKind;
  /** The spans finished so far, when the exporter is `memory`. */
  readonly memoryExporter?: tracing.InMemorySpanExporter;
  /** Flushes pending spans and unregisters everything, so tracing can be started again. */
  shutdown(): Promise<void>;
}

/** The trace context of a message or request, as W3C headers (`traceparent`, `tracestate`). */
export type TraceCarrier = Record<string, string>;

export const TRACER_NAME = 'somnus';

let active: TracingHandle | undefined;

export function traceExporterFromEnv(env: NodeJS.ProcessEnv = process.env): TraceExporterKind {
  const value = (env.OTEL_TRACES_EXPORTER ?? 'none').trim().toLowerCase() || 'none';
  const kind = EXPORTER_KINDS.find((known) => known === value);
  if (!kind) throw new Error(`OTEL_TRACES_EXPORTER="${value}" is not supported; use one of ${EXPORTER_KINDS.join(', ')}`);
  return kind;
}

/**
 * Starts OpenTelemetry for this process; call it first thing in `main.ts`, before the app is created.
 *
 * Even with the exporter `none`, the W3C trace-context propagator and the async context manager are
 * registered (but no tracer provider, so spans are no-op and cost next to nothing). That keeps trace ids
 * travelling: a service with tracing off passes the `traceparent` it received on to the messages it
 * publishes, so a trace is not cut in two at a service that records nothing. It also means the trace flags
 * it received travel unchanged.
 *
 * One process, one setup: a second call (say, another module of the all-in-one) gets the running handle;
 * asking for a different exporter then is a configuration error.
 */
export function startTracing(config: TracingConfig): TracingHandle {
  const exporter = config.exporter ?? traceExporterFromEnv();
  if (active) {
    if (active.exporter !== exporter) {
      throw new Error(`tracing already started with exporter "${active.exporter}"; cannot switch to "${exporter}" without shutdown()`);
    }
    return active;
  }

  const memoryExporter = exporter === 'memory' ? new tracing.InMemorySpanExporter() : undefined;
  const spanProcessors = spanProcessorsFor(exporter, config, memoryExporter);
  const sdk = new NodeSDK({
    serviceName: config.service,
    spanProcessors,
    textMapPropagator: new core.W3CTraceContextPropagator(),
    // Metrics are Prometheus' job (metrics.ts) and logs pino's; without these empty lists the SDK would
    // start OTLP metric and log exporters from the environment on its own.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
    // Host and process attributes help only where spans are exported.
    autoDetectResources: exporter === 'otlp' || exporter === 'console',
  });
  sdk.start();

  const handle: TracingHandle = {
    service: config.service,
    exporter,
    memoryExporter,
    shutdown: async () => {
      try {
        await sdk.shutdown();
      } finally {
        trace.disable();
        propagation.disable();
        context.disable();
        if (active === handle) active = undefined;
      }
    },
  };
  active = handle;
  return handle;
}

function spanProcessorsFor(
  exporter: TraceExporterKind,
  config: TracingConfig,
  memoryExporter: tracing.InMemorySpanExporter | undefined,
): tracing.SpanProcessor[] {
  switch (exporter) {
    case 'none':
      return [];
    case 'memory':
      // Exported as each span ends, so a test can read it right after the work it traced.
      return [new tracing.SimpleSpanProcessor(memoryExporter ?? new tracing.InMemorySpanExporter())];
    case 'console':
      return [new tracing.SimpleSpanProcessor(new tracing.ConsoleSpanExporter())];
    case 'otlp':
      return [new tracing.BatchSpanProcessor(new OTLPTraceExporter(config.otlpTracesUrl ? { url: config.otlpTracesUrl } : {}))];
  }
}

/** The running tracing setup, if any. */
export function activeTracing(): TracingHandle | undefined {
  return active;
}

export function getTracer(name = TRACER_NAME): Tracer {
  return trace.getTracer(name);
}

/** Writes the trace context of `from` (the active context by default) into `carrier` and returns it. */
export function injectTraceContext(carrier: TraceCarrier = {}, from: Context = context.active()): TraceCarrier {
  propagation.inject(from, carrier);
  return carrier;
}

/** A context that continues the trace described by `carrier` (or `base` unchanged when it carries none). */
export function extractTraceContext(carrier: TraceCarrier | undefined, base: Context = context.active()): Context {
  if (!carrier) return base;
  return propagation.extract(base, carrier);
}

/** The trace id of the active span, for correlating logs and audit records; undefined outside a trace. */
export function currentTraceId(): string | undefined {
  const span = trace.getSpanContext(context.active());
  return span && trace.isSpanContextValid(span) ? span.traceId : undefined;
}

/**
 * Runs `fn` inside a new active span named `name`. With `parentCarrier` (the `traceparent` of a bus message
 * or HTTP request) the span continues that trace as a consumer; without it, the active trace or a new one.
 * A thrown error is recorded on the span, marks it failed, and is rethrown. The span always ends.
 */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
  parentCarrier?: TraceCarrier,
): Promise<T> {
  const parent = parentCarrier ? extractTraceContext(parentCarrier) : context.active();
  const kind = parentCarrier ? SpanKind.CONSUMER : SpanKind.INTERNAL;
  return getTracer().startActiveSpan(name, { attributes, kind }, parent, async (span) => {
    try {
      return await fn(span);
    } catch (error: unknown) {
      // Spans leave the process (to a collector), so error text is masked like a log line would be.
      const message = maskSecrets(error instanceof Error ? error.message : String(error));
      if (error instanceof Error) {
        span.recordException({ name: error.name, message, stack: error.stack === undefined ? undefined : maskSecrets(error.stack) });
      }
      span.setStatus({ code: SpanStatusCode.ERROR, message });
      throw error;
    } finally {
      span.end();
    }
  });
}
