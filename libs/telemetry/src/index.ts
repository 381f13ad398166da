export { maskSecrets } from './mask-secrets';
export { createLogger, NestPinoLogger, REDACTED_PATHS } from './logger';
export type { LoggerConfig } from './logger';
export type { Logger } from 'pino';
export {
  activeTracing,
  currentTraceId,
  extractTraceContext,
  getTracer,
  injectTraceContext,
  startTracing,
  traceExporterFromEnv,
  TRACER_NAME,
  withSpan,
} from './tracing';
export type { TraceCarrier, TraceExporterKind, TracingConfig, TracingHandle } from './tracing';
export { createMetrics } from './metrics';
export type { MetricsOptions, ServiceMetrics } from './metrics';
