import 'reflect-metadata';
import { createLogger, NestPinoLogger, startTracing } from '@somnus/telemetry';
import { startAllInOne } from './all-in-one';

/**
 * `npm start`: every service in one process with embedded defaults — PGlite over the Postgres protocol,
 * the in-memory bus and cache, data under `.somnus/` — acting on the simulated fleet, API on port 8080.
 */
async function main(): Promise<void> {
  const logger = createLogger({ service: 'all-in-one', level: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'warn' });
  const tracing = startTracing({ service: 'somnus', exporter: (process.env.OTEL_TRACES_EXPORTER as 'none' | undefined) ?? 'none' });
  const somnus = await startAllInOne({ logger: new NestPinoLogger(logger) });
  const { host, config, fleet } = somnus;
  const banner = [
    '',
    `  Somnus is running (${config.SOMNUS_MODE})`,
    `  dashboard and API   ${host.url}   (OpenAPI: ${host.url}/api/docs)`,
    `  admin token         in ${config.adminTokenFile} (written when the database has no admin yet, mode 0600)`,
    `  bus / database      ${host.adapters.bus} / ${host.adapters.database}`,
    `  cache               ${host.adapters.cache}`,
    `  fleet               ${fleet ? `simulated: ${fleet.nodes.length} nodes, Wake-on-LAN on udp 127.0.0.1:${fleet.wolPort}, Kubernetes API ${fleet.kubeApiUrl}` : 'real (SOMNUS_SIMULATION=off)'}`,
    `  tracing             ${config.OTEL_TRACES_EXPORTER}`,
    '',
    '  Live log: decisions, refusals and node transitions; a summary line every 30 s. Ctrl-C stops.',
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
  const stop = async (signal: string) => {
    process.stdout.write(`${signal}: stopping\n`);
    if (somnus.reporter) process.stdout.write(`${somnus.reporter.summaryLine()}\n`);
    await somnus.stop();
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
