import { DynamicModule, ModuleMetadata, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HANDLER_SCOPE, HandlerScope, MESSAGE_BUS, MessageHandlersExplorer } from '@somnus/bus';
import { CACHE } from '@somnus/cache';
import { SERVICE_INFRASTRUCTURE, SERVICE_STORE, ServiceInfrastructure } from './service-descriptor';

/**
 * The dynamic module of one service: its own controllers and providers, plus what every service gets —
 * the bus, its store, its cache and the explorer that subscribes its `@OnMessage` handlers.
 */
export function serviceModule(
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  module: Function,
  infrastructure: ServiceInfrastructure,
  metadata: Pick<ModuleMetadata, 'controllers' | 'providers' | 'imports' | 'exports'>,
): DynamicModule {
  const scope: HandlerScope = { service: infrastructure.service, module };
  const shared: Provider[] = [
    { provide: SERVICE_INFRASTRUCTURE, useValue: infrastructure },
    { provide: MESSAGE_BUS, useValue: infrastructure.bus },
    { provide: SERVICE_STORE, useValue: infrastructure.store },
    { provide: CACHE, useValue: infrastructure.cache },
    { provide: HANDLER_SCOPE, useValue: scope },
    MessageHandlersExplorer,
  ];
  return {
    module: module as DynamicModule['module'],
    imports: [DiscoveryModule, ...(metadata.imports ?? [])],
    controllers: metadata.controllers ?? [],
    providers: [...shared, ...(metadata.providers ?? [])],
    exports: metadata.exports ?? [],
  };
}
