import { createLogger, NestPinoLogger, startTracing } from '@somnus/telemetry';
import { loadRuntimeConfig } from './runtime.config';
import { startHost } from './host';
import type { ServiceDescriptor } from './service-descriptor';

/**
 * Runs one service as its own process of the distributed stack (NATS_URL, DATABASE_URL, REDIS_URL); health
 * on HEALTH_PORT, except the gateway, which serves it on PORT. Stops cleanly on SIGINT and SIGTERM.
 */
export async function runServiceProcess(descriptor: ServiceDescriptor): Promise<void> {
  const config = loadRuntimeConfig(process.env, { SOMNUS_MODE: 'distributed' });
  const logger = createLogger({ service: descriptor.name, level: config.LOG_LEVEL });
  const tracing = startTracing({ service: descriptor.name, exporter: config.OTEL_TRACES_EXPORTER });
  const isGateway = descriptor.name === 'api-gateway';
  const host = await startHost({ descriptors: [descriptor], config, logger: new NestPinoLogger(logger), healthEndpoints: !isGateway });
  logger.info({ url: host.url, adapters: host.adapters }, `${descriptor.name} started`);
  if (isGateway) logger.info(`admin token (created on first start only) in ${config.adminTokenFile}`);
  const stop = async (signal: string) => {
    logger.info(`${signal}: stopping ${descriptor.name}`);
    await host.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

/** The entrypoint's error path: one line saying what failed, never a stack trace with secrets. */
export function exitOnStartFailure(name: string) {
  return (error: unknown) => {
    process.stderr.write(`somnus ${name} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  };
}
