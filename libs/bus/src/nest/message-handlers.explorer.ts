import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { MessageDefinition, ServiceName } from '@somnus/contracts';
import { MESSAGE_BUS, MessageBus, MessageHandler, QueryDefinition, Subscription } from '../bus.port';
import { ANSWER_QUERY, ON_MESSAGE, OnMessageMetadata } from './message-handler.decorators';

export const HANDLER_SCOPE = Symbol('somnus:handler-scope');

/** Which service's handlers an explorer subscribes: its name and its module class. */
export interface HandlerScope {
  service: ServiceName;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  module: Function;
}

/** Durable consumer names may not contain dots; one per service and message. */
export function durableName(service: ServiceName, definition: MessageDefinition): string {
  return `${service}__${definition.owner}-${definition.name}-v${definition.version}`;
}

/**
 * Finds `@OnMessage` and `@AnswerQuery` methods among the providers of one service module and subscribes
 * them when the application starts (after every module is initialised), unsubscribing on shutdown.
 */
@Injectable()
export class MessageHandlersExplorer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MessageHandlersExplorer.name);
  private readonly subscriptions: Subscription[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(HANDLER_SCOPE) private readonly scope: HandlerScope,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders({ include: [this.scope.module] })) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[methodName];
        if (typeof method !== 'function') continue;
        const onMessage = this.reflector.get<OnMessageMetadata | undefined>(ON_MESSAGE, method as () => unknown);
        if (onMessage) {
          const { definition, maxDeliveries, backoffMs } = onMessage;
          const durable = durableName(this.scope.service, definition);
          const handler = (method as MessageHandler<MessageDefinition>).bind(instance);
          this.subscriptions.push(await this.bus.consume(definition, { durable, maxDeliveries, backoffMs }, handler));
          this.logger.debug(`${durable} consumes ${definition.subject}`);
        }
        const query = this.reflector.get<QueryDefinition | undefined>(ANSWER_QUERY, method as () => unknown);
        if (query) {
          const handler = (method as Parameters<MessageBus['serve']>[1]).bind(instance);
          this.subscriptions.push(await this.bus.serve(query, handler));
        }
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.subscriptions.map((subscription) => subscription.stop()));
  }
}
