import { LoggerService, LogLevel } from '@nestjs/common';
import pino, { DestinationStream, Level, Logger, LoggerOptions } from 'pino';
import { context, trace } from '@opentelemetry/api';
import { maskSecrets } from './mask-secrets';

/**
 * Fields censored wherever they appear at the top level or one level down. `key` is censored only when
 * nested (`ssh.key`, `bmc.key`) because a top-level `key` is how the cache and the bus name what they touch.
 */
const SECRET_FIELDS = ['token', 'password', 'secret', 'authorization', 'privateKey', 'apiKey', 'cookie', 'clientSecret'];

export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
  '*.key',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'request.headers.authorization',
  'request.headers.cookie',
];

export interface LoggerConfig {
  /** Service name, on every line (`inventory`, `api-gateway`, ...). */
  service: string;
  /** Defaults to `LOG_LEVEL`, else `info`. */
  level?: Level | 'silent';
  /** Where lines go; stdout when omitted. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

/**
 * A pino JSON logger with secrets censored by field (`redact`) and masked in free text (messages, error
 * messages and stacks), and the active trace and span ids on each line so a log line leads to its trace.
 */
export function createLogger(config: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level: config.level ?? parseLevel(process.env.LOG_LEVEL) ?? 'info',
    base: { service: config.service },
    redact: { paths: [...REDACTED_PATHS], censor: '***' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    serializers: { err: serializeError, error: serializeError },
    mixin: traceFields,
    hooks: {
      logMethod(args, method) {
        const masked = args.map((arg) => (typeof arg === 'string' ? maskSecrets(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, masked);
      },
    },
  };
  return config.destination ? pino(options, config.destination) : pino(options);
}

function parseLevel(value: string | undefined): Level | 'silent' | undefined {
  const levels: ReadonlyArray<Level | 'silent'> = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  return levels.find((level) => level === value);
}

function traceFields(): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  return span && trace.isSpanContextValid(span) ? { traceId: span.traceId, spanId: span.spanId } : {};
}

function serializeError(value: unknown): unknown {
  if (!(value instanceof Error)) return typeof value === 'string' ? maskSecrets(value) : value;
  const serialized = pino.stdSerializers.err(value);
  return {
    ...serialized,
    message: maskSecrets(serialized.message),
    stack: serialized.stack === undefined ? undefined : maskSecrets(serialized.stack),
  };
}

const nestToPino: Record<LogLevel, Level> = {
  log: 'info',
  error: 'error',
  warn: 'warn',
  debug: 'debug',
  verbose: 'trace',
  fatal: 'fatal',
};

/**
 * NestJS's logger, written through pino: `app.useLogger(new NestPinoLogger(createLogger({ service })))`.
 * Nest passes the context (the class name) as the last argument and, for errors, a stack before it.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('log', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  setLogLevels(levels: LogLevel[]): void {
    // Nest lists the levels it wants; pino wants the lowest one.
    const order: LogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];
    const lowest = order.find((level) => levels.includes(level));
    this.logger.level = lowest ? nestToPino[lowest] : 'silent';
  }

  private write(level: LogLevel, message: unknown, optionalParams: unknown[]): void {
    const params = [...optionalParams];
    const fields: Record<string, unknown> = {};
    if (params.length > 0 && typeof params[params.length - 1] === 'string') fields.context = params.pop();
    if (level === 'error' || level === 'fatal') {
      const stack = params.find((param): param is string => typeof param === 'string' && param.includes('\n'));
      if (stack) fields.stack = maskSecrets(stack);
    }
    const log = this.logger[nestToPino[level]].bind(this.logger);
    if (message instanceof Error) log({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) log({ ...fields, ...message });
    else log(fields, String(message));
  }
}
