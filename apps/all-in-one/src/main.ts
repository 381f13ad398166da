import 'reflect-metadata';
import { loadRuntimeConfig, startHost } from '@somnus/runtime';
import { createLogger, NestPinoLogger, startTracing } from '@somnus/telemetry';
import { SERVICES } from './services';

/**
 * `npm start`: every service in one process with embedded defaults — PGlite over the Postgres protocol,
 * the in-memory bus and cache — data under `.somnus/`, API and dashboard on port 8080.
 */
async function main(): Promise<void> {
  const config = loadRuntimeConfig(process.env, { SOMNUS_MODE: (process.env.SOMNUS_MODE as 'all-in-one' | 'distributed' | undefined) ?? 'all-in-one' });
  const logger = createLogger({ service: 'all-in-one', level: config.LOG_LEVEL });
  const tracing = startTracing({ service: 'somnus', exporter: config.OTEL_TRACES_EXPORTER });
  const host = await startHost({ descriptors: Object.values(SERVICES), config, logger: new NestPinoLogger(logger) });
  const banner = [
    '',
    `  Somnus is running (${config.SOMNUS_MODE})`,
    `  API and dashboard   ${host.url}`,
    `  API document        ${host.url}/api/docs`,
    `  admin token         in ${config.adminTokenFile} (created on first start, mode 0600)`,
    `  bus                 ${host.adapters.bus}`,
    `  database            ${host.adapters.database}`,
    `  cache               ${host.adapters.cache}`,
    `  tracing             ${config.OTEL_TRACES_EXPORTER}`,
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
  const stop = async (signal: string) => {
    logger.info(`${signal}: shutting down`);
    await host.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`somnus failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
