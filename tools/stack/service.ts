import 'reflect-metadata';
import { descriptorOf } from '@somnus/all-in-one';
import { loadRuntimeConfig, startHost } from '@somnus/runtime';
import { createLogger, NestPinoLogger, startTracing } from '@somnus/telemetry';

/**
 * One service of the distributed stack: `npm run service -- <name>` (the container entrypoint). Uses
 * NATS_URL, DATABASE_URL and REDIS_URL; health on HEALTH_PORT (the gateway serves it on PORT).
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name) throw new Error('usage: npm run service -- <inventory|scheduler|power|lifecycle|audit|api-gateway>');
  const descriptor = descriptorOf(name);
  const config = loadRuntimeConfig(process.env, { SOMNUS_MODE: 'distributed' });
  const logger = createLogger({ service: name, level: config.LOG_LEVEL });
  const tracing = startTracing({ service: name, exporter: config.OTEL_TRACES_EXPORTER });
  const host = await startHost({ descriptors: [descriptor], config, logger: new NestPinoLogger(logger), healthEndpoints: name !== 'api-gateway' });
  logger.info({ url: host.url, adapters: host.adapters }, `${name} started`);
  if (name === 'api-gateway') logger.info(`admin token (first start only) in ${config.adminTokenFile}`);
  const stop = async () => {
    await host.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(`somnus ${process.argv[2] ?? ''} failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
