import { SetMetadata } from '@nestjs/common';
import type { MessageDefinition, Payload, ReplyOf } from '@somnus/contracts';
import type { CommandDefinition, Delivery, EventDefinition, QueryDefinition } from '../bus.port';

export const ON_MESSAGE = Symbol('somnus:on-message');
export const ANSWER_QUERY = Symbol('somnus:answer-query');

export interface OnMessageMetadata {
  definition: MessageDefinition;
  maxDeliveries?: number;
  backoffMs?: number[];
}

/** What a handler of `M` returns: a command's declared outcome, or nothing for an event. */
export type HandlerResult<M extends EventDefinition | CommandDefinition> = M extends CommandDefinition ? ReplyOf<M> : void;

/** The method type `@OnMessage(M)` accepts: it takes M's delivery and answers with M's outcome. */
export type MessageHandlerMethod<M extends EventDefinition | CommandDefinition> = (delivery: Delivery<Payload<M>>) => Promise<HandlerResult<M>>;

/**
 * Marks a method as the handler of an event or command on this service's durable consumer:
 * `@OnMessage(WakeNode) wakeNode(delivery: Delivery<Payload<typeof WakeNode>>) {...}`. A method whose
 * parameter is not M's delivery, or whose answer is not M's outcome, does not compile.
 */
export function OnMessage<M extends EventDefinition | CommandDefinition>(
  definition: M,
  options: Omit<OnMessageMetadata, 'definition'> = {},
): (target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<MessageHandlerMethod<M>>) => void {
  const mark = SetMetadata(ON_MESSAGE, { definition, ...options } satisfies OnMessageMetadata);
  return (target, key, descriptor) => {
    mark(target, key, descriptor);
  };
}

/** Marks a method as the answer to a query (request/reply); replicas share the load. */
export function AnswerQuery(definition: QueryDefinition): MethodDecorator {
  return SetMetadata(ANSWER_QUERY, definition);
}
