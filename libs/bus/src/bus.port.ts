import type { CommandFailure, CommandOutcome, Envelope, MessageDefinition, MessageKind, ReplyOf } from '@somnus/contracts';

/** Injection token of the bus in NestJS modules. */
export const MESSAGE_BUS = Symbol('MESSAGE_BUS');

export type CommandDefinition = MessageDefinition<'command'>;
export type QueryDefinition = MessageDefinition<'query'>;
export type EventDefinition = MessageDefinition<'event'>;

/** One delivery of a message to a consumer. */
export interface Delivery<T = unknown> {
  readonly envelope: Envelope<T>;
  /** 1 on the first delivery, 2 on the first redelivery, ... */
  readonly attempt: number;
  readonly subject: string;
}

export interface ConsumerOptions {
  /** Durable consumer name, unique per service and message: `<service>.<owner>-<name>-v<version>`. */
  durable: string;
  /** Deliveries before a message goes to the dead-letter subject (default 5). */
  maxDeliveries?: number;
  /** Backoff before each redelivery after a handler throws, in ms (last value repeats). */
  backoffMs?: number[];
}

export interface BatchConsumerOptions extends ConsumerOptions {
  /** Which streams to read: every event, every command, or both (the audit trail). */
  kinds: Exclude<MessageKind, 'query'>[];
  /** Most messages handed to the handler at once. */
  maxBatch?: number;
}

/**
 * A handler for one message type. Returning normally acknowledges the message; throwing asks for a
 * redelivery after a backoff; after the last delivery the message goes to the dead-letter subject with the
 * error as its reason. A message whose payload fails validation goes there at once and never reaches it.
 */
export type MessageHandler<M extends MessageDefinition> = (
  delivery: Delivery<import('zod').infer<M['schema']>>,
) => Promise<M extends CommandDefinition ? CommandOutcome<unknown> : void>;

/** A batch handler for raw (envelope-validated) messages of many types; throwing redelivers the batch. */
export type BatchHandler = (deliveries: Delivery[]) => Promise<void>;

export interface Subscription {
  stop(): Promise<void>;
}

export interface DeadLetter {
  consumer: string;
  subject: string;
  reason: string;
  attempts: number;
  /** The message as it arrived, as text. */
  raw: string;
  deadAt: string;
}

/** Optional hooks that tracing and metrics attach to; the bus works without them. */
export interface BusInstrumentation {
  /** Wraps the handling of one delivery (e.g. in a span continuing the envelope's trace context). */
  aroundHandler<T>(consumer: string, envelope: Envelope, run: () => Promise<T>): Promise<T>;
  published?(definition: MessageDefinition, envelope: Envelope): void;
  handled?(consumer: string, envelope: Envelope, outcome: 'acked' | 'retried' | 'dead-lettered', ms: number): void;
}

/** Thrown by `request` and `execute` when no answer came within the timeout. */
export class RequestTimeoutError extends Error {
  constructor(readonly subject: string, readonly timeoutMs: number) {
    super(`no answer on ${subject} within ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** The answer to `execute`: the owner's outcome, or `accepted` when it is durable but not yet handled. */
export type ExecuteResult<M extends CommandDefinition> = ReplyOf<M> | { ok: 'accepted'; commandId: string };

/**
 * A command's reply as it came off the wire, checked against the command's declared outcome schema (as query
 * replies are). An owner that answers with something else is reported as unavailable, never passed on.
 */
export function parseCommandReply<M extends CommandDefinition>(definition: M, raw: unknown): ReplyOf<M> {
  const parsed = definition.reply.safeParse(raw);
  if (parsed.success) return parsed.data as ReplyOf<M>;
  const failure: CommandFailure = {
    ok: false,
    code: 'unavailable',
    reason: `${definition.owner} answered ${definition.type} with a reply that does not match its schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
  };
  return failure as ReplyOf<M>;
}

/**
 * The messaging port. Two adapters keep the same semantics: NATS JetStream (distributed) and in-memory
 * (the all-in-one). Events and commands are durable; queries are request/reply.
 */
export interface MessageBus {
  readonly adapter: 'jetstream' | 'memory';
  /** Publishes an event or a command durably; de-duplicated by the envelope id. Validates the payload first. */
  publish(definition: MessageDefinition, envelope: Envelope): Promise<void>;
  /** Handles one message type on a durable consumer. Commands' outcomes are sent to a waiting `execute`. */
  consume<M extends MessageDefinition>(definition: M, options: ConsumerOptions, handler: MessageHandler<M>): Promise<Subscription>;
  /** Handles every event and/or command in batches (the audit trail). */
  consumeAll(options: BatchConsumerOptions, handler: BatchHandler): Promise<Subscription>;
  /** Publishes a command durably and waits up to `timeoutMs` for its owner's outcome. */
  execute<M extends CommandDefinition>(definition: M, envelope: Envelope, timeoutMs: number): Promise<ExecuteResult<M>>;
  /** Asks a query and waits for the answer, or throws RequestTimeoutError. */
  request<M extends QueryDefinition>(definition: M, envelope: Envelope, timeoutMs: number): Promise<ReplyOf<M>>;
  /** Answers a query; replicas of one service share the load. */
  serve<M extends QueryDefinition>(definition: M, handler: (envelope: Envelope<import('zod').infer<M['schema']>>) => Promise<ReplyOf<M>>): Promise<Subscription>;
  /** Reads the dead-letter subject of a consumer (newest last), for operators and tests. */
  deadLetters(consumer: string, limit?: number): Promise<DeadLetter[]>;
  /** Dependency state for /readyz. */
  health(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

export const DEFAULT_MAX_DELIVERIES = 5;
export const DEFAULT_BACKOFF_MS = [200, 1_000, 5_000, 15_000];

export function backoffFor(attempt: number, backoffMs: number[] = DEFAULT_BACKOFF_MS): number {
  return backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 0;
}

export function replySubject(commandId: string): string {
  return `somnus.replies.${commandId}`;
}
