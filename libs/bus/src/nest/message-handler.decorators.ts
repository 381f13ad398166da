import { SetMetadata } from '@nestjs/common';
import type { MessageDefinition } from '@somnus/contracts';
import type { CommandDefinition, EventDefinition, QueryDefinition } from '../bus.port';

export const ON_MESSAGE = Symbol('somnus:on-message');
export const ANSWER_QUERY = Symbol('somnus:answer-query');

export interface OnMessageMetadata {
  definition: MessageDefinition;
  maxDeliveries?: number;
  backoffMs?: number[];
}

/**
 * Marks a method as the handler of an event or command on this service's durable consumer:
 * `@OnMessage(WakeNode) wakeNode(delivery: Delivery<Payload<typeof WakeNode>>) {...}`.
 */
export function OnMessage(definition: EventDefinition | CommandDefinition, options: Omit<OnMessageMetadata, 'definition'> = {}): MethodDecorator {
  return SetMetadata(ON_MESSAGE, { definition, ...options } satisfies OnMessageMetadata);
}

/** Marks a method as the answer to a query (request/reply); replicas share the load. */
export function AnswerQuery(definition: QueryDefinition): MethodDecorator {
  return SetMetadata(ANSWER_QUERY, definition);
}
