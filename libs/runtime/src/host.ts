import { DynamicModule, INestApplication, Logger, LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { JetStreamBus, MemoryBus, MessageBus } from '@somnus/bus';
import { Cache, createCache } from '@somnus/cache';
import {
  createDataSource,
  EmbeddedPostgres,
  messagingTablesMigration,
  OutboxRelay,
  redactUrl,
  runMigrations,
  ServiceStore,
  startEmbeddedPostgres,
} from '@somnus/persistence';
import { tracingInstrumentation } from './bus-instrumentation';
import { HealthController, READINESS } from './health.controller';
import { ReadinessProbe } from './readiness';
import { RuntimeConfig } from './runtime.config';
import { schemaOf, ServiceDescriptor, ServiceInfrastructure } from './service-descriptor';

export interface HostOptions {
  descriptors: ServiceDescriptor[];
  config: RuntimeConfig;
  /** Where the framework and the host log; `false` for silence (tests). */
  logger?: LoggerService | false;
  /** Serve the health endpoints on HEALTH_PORT (processes without the gateway). */
  healthEndpoints?: boolean;
  /** Replaces the in-memory bus of the all-in-one, e.g. to share one bus between hosts in a test. */
  bus?: MessageBus;
}

/** What the banner and the tests need to know about a running process. */
export interface Host {
  app: INestApplication;
  url?: string;
  adapters: { bus: string; database: string; cache: string };
  infrastructure: Map<string, ServiceInfrastructure>;
  dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * Starts one process hosting the given services: the all-in-one (every service, embedded defaults) or one
 * service of the distributed stack (JetStream, PostgreSQL, Redis). Migrations run first; outbox relays
 * start; then the NestJS application, whose handlers subscribe once every module is ready.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const { config, descriptors } = options;
  const logger: Pick<LoggerService, 'log' | 'error'> =
    options.logger === false ? { log: () => undefined, error: () => undefined } : (options.logger ?? new Logger('host'));
  const names = descriptors.map((descriptor) => descriptor.name);
  const cleanups: (() => Promise<unknown>)[] = [];
  const readiness = new ReadinessProbe();

  try {
    let embedded: EmbeddedPostgres | undefined;
    let databaseUrl = config.DATABASE_URL;
    if (config.SOMNUS_MODE === 'all-in-one') {
      embedded = await startEmbeddedPostgres(config.embeddedDbDir);
      cleanups.push(() => embedded!.stop());
      databaseUrl = embedded.url;
    }

    const bus: MessageBus =
      options.bus ??
      (config.SOMNUS_MODE === 'all-in-one'
        ? new MemoryBus({ instrumentation: tracingInstrumentation })
        : await JetStreamBus.connect({
            url: config.NATS_URL,
            name: `somnus-${names.join('+')}`,
            namespace: config.SOMNUS_BUS_NAMESPACE || undefined,
            instrumentation: tracingInstrumentation,
          }));
    if (!options.bus) cleanups.push(() => bus.close());
    readiness.register('bus', () => bus.health());

    const dataSource = await createDataSource({
      url: databaseUrl,
      entities: descriptors.flatMap((descriptor) => descriptor.entities),
      // The embedded database is one PGlite session: one connection, so transactions never interleave.
      poolSize: embedded ? 1 : 10,
      applicationName: `somnus-${names.join('+')}`,
    });
    cleanups.push(() => dataSource.destroy());
    readiness.register('database', async () => {
      await dataSource.query('SELECT 1');
      return { ok: true, detail: embedded ? 'embedded PGlite' : redactUrl(databaseUrl) };
    });

    const infrastructure = new Map<string, ServiceInfrastructure>();
    const relays: OutboxRelay[] = [];
    let cacheKind = 'memory';
    for (const descriptor of descriptors) {
      const schema = schemaOf(descriptor.name);
      const applied = await runMigrations(dataSource, schema, [messagingTablesMigration(schema), ...descriptor.migrations(schema)]);
      if (applied.length > 0) logger.log(`${descriptor.name}: applied migrations ${applied.join(', ')}`);
      const store = new ServiceStore(dataSource, schema, `somnus/${descriptor.name}`);
      const cache: Cache = createCache({ url: config.SOMNUS_MODE === 'distributed' ? config.REDIS_URL : undefined, namespace: descriptor.name });
      cacheKind = cache.kind;
      cleanups.push(() => cache.close());
      relays.push(new OutboxRelay(store, bus, { onError: (error) => logger.error(`${descriptor.name} outbox relay: ${String(error)}`) }));
      infrastructure.set(descriptor.name, { service: descriptor.name, bus, store, cache, config, readiness });
    }
    const firstCache = [...infrastructure.values()][0]?.cache;
    if (firstCache) {
      readiness.register('cache', async () => {
        await firstCache.ping();
        return { ok: true, detail: firstCache.kind };
      });
    }

    const serviceModules: DynamicModule[] = descriptors.map((descriptor) => descriptor.module(infrastructure.get(descriptor.name)!));
    @Module({
      imports: serviceModules,
      controllers: options.healthEndpoints ? [HealthController] : [],
      providers: [{ provide: READINESS, useValue: readiness }],
      exports: [READINESS],
    })
    class HostModule {}

    const app = await NestFactory.create(HostModule, { logger: options.logger === false ? false : (options.logger ?? ['error', 'warn', 'log']), abortOnError: false });
    app.enableShutdownHooks();
    for (const descriptor of descriptors) descriptor.configure?.(app);
    for (const relay of relays) relay.start();
    cleanups.push(async () => Promise.all(relays.map((relay) => relay.stop())));

    const serveHttp = names.includes('api-gateway') || options.healthEndpoints;
    const port = names.includes('api-gateway') ? config.PORT : config.HEALTH_PORT;
    let url: string | undefined;
    if (serveHttp) {
      await app.listen(port, config.HOST);
      const address = app.getHttpServer().address() as { port: number };
      url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${address.port}`;
    } else {
      await app.init();
    }

    return {
      app,
      url,
      adapters: { bus: bus.adapter, database: embedded ? `embedded PGlite (${embedded.dataDir})` : redactUrl(databaseUrl), cache: cacheKind },
      infrastructure,
      dataSource,
      close: async () => {
        await app.close();
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}
