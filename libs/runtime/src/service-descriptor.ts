import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { ServiceName } from '@somnus/contracts';
import type { MessageBus } from '@somnus/bus';
import type { Cache } from '@somnus/cache';
import type { SchemaMigration, ServiceStore } from '@somnus/persistence';
import type { RuntimeConfig } from './runtime.config';
import type { ReadinessProbe } from './readiness';

/** What a service gets from the process hosting it: the bus, its own store and cache, configuration. */
export interface ServiceInfrastructure {
  service: ServiceName;
  bus: MessageBus;
  store: ServiceStore;
  cache: Cache;
  config: RuntimeConfig;
  readiness: ReadinessProbe;
}

/** How a process hosts a service: its tables, its migrations and its NestJS module. */
export interface ServiceDescriptor {
  name: ServiceName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: Function[];
  migrations: (schema: string) => SchemaMigration[];
  module: (infrastructure: ServiceInfrastructure) => DynamicModule;
  /** Application-wide set-up a service needs before the process listens (the gateway's API document). */
  configure?: (app: INestApplication) => void;
}

export const SERVICE_INFRASTRUCTURE = Symbol('SERVICE_INFRASTRUCTURE');
export const SERVICE_STORE = Symbol('SERVICE_STORE');

/** A service's Postgres schema: its name with `_` for `-` (api-gateway -> api_gateway). */
export function schemaOf(service: ServiceName): string {
  return service.replace(/-/g, '_');
}
