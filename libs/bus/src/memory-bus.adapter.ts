import { EventEmitter } from 'node:events';
import {
  COMMANDS_WILDCARD,
  Envelope,
  EVENTS_WILDCARD,
  kindOfSubject,
  MessageDefinition,
  parseEnvelope,
  parsePayload,
  ReplyOf,
} from '@somnus/contracts';
import {
  BatchConsumerOptions,
  BatchHandler,
  BusInstrumentation,
  CommandDefinition,
  ConsumerOptions,
  DeadLetter,
  DEFAULT_MAX_DELIVERIES,
  Delivery,
  ExecuteResult,
  MessageBus,
  MessageHandler,
  QueryDefinition,
  RequestTimeoutError,
  Subscription,
  backoffFor,
  parseCommandReply,
} from './bus.port';
import { deadLetterOutcome, decodeAnyEnvelope, runDelivery } from './delivery-pipeline';

interface StoredMessage {
  subject: string;
  raw: string;
}

interface QueuedDelivery extends StoredMessage {
  attempt: number;
}

/** Matches NATS subject wildcards: `*` one token, `>` the rest. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i += 1) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/**
 * A durable consumer in memory: its own queue, one delivery at a time (or one batch), redelivery after
 * the backoff when the handler throws, dead-letter after the last attempt.
 */
class MemoryConsumer {
  private readonly queue: QueuedDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private running = false;
  stopped = false;

  constructor(
    readonly durable: string,
    readonly filters: string[],
    private readonly batchSize: number,
    private readonly process: (batch: QueuedDelivery[]) => Promise<void>,
  ) {}

  matches(subject: string): boolean {
    return this.filters.some((filter) => subjectMatches(filter, subject));
  }

  push(message: QueuedDelivery): void {
    if (this.stopped) return;
    this.queue.push(message);
    this.kick();
  }

  later(message: QueuedDelivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.push(message);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    setImmediate(() => void this.drain());
  }

  private async drain(): Promise<void> {
    while (!this.stopped && this.queue.length > 0) {
      await this.process(this.queue.splice(0, this.batchSize));
    }
    this.running = false;
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.queue.length = 0;
  }
}

export interface MemoryBusOptions {
  /** How long a published id is remembered for de-duplication (JetStream's default window: 2 minutes). */
  duplicateWindowMs?: number;
  /** Messages each stream keeps for consumers created later. */
  retainPerStream?: number;
  instrumentation?: BusInstrumentation;
}

/** The in-memory bus of the all-in-one: the same semantics as JetStream within one process. */
export class MemoryBus implements MessageBus {
  readonly adapter = 'memory' as const;
  private readonly consumers: MemoryConsumer[] = [];
  private readonly retained = new Map<string, StoredMessage[]>();
  private readonly seenIds = new Map<string, number>();
  private readonly servers = new Map<string, ((envelope: Envelope) => Promise<unknown>)[]>();
  private readonly replies = new EventEmitter();
  private readonly deadLettered = new Map<string, DeadLetter[]>();
  private readonly duplicateWindowMs: number;
  private readonly retainPerStream: number;
  private roundRobin = 0;
  private closed = false;

  constructor(private readonly options: MemoryBusOptions = {}) {
    this.duplicateWindowMs = options.duplicateWindowMs ?? 120_000;
    this.retainPerStream = options.retainPerStream ?? 10_000;
    this.replies.setMaxListeners(0);
  }

  async publish(definition: MessageDefinition, envelope: Envelope): Promise<void> {
    this.assertOpen();
    if (definition.kind === 'query') throw new Error(`${definition.type} is a query: use request()`);
    parsePayload(definition, envelope.data);
    if (this.isDuplicate(envelope.id)) return;
    this.options.instrumentation?.published?.(definition, envelope);
    this.deliver({ subject: definition.subject, raw: JSON.stringify(envelope) });
  }

  /** Publishes bytes as they are, without validation: how a foreign or broken producer looks to consumers. */
  publishRaw(subject: string, raw: string): void {
    this.deliver({ subject, raw });
  }

  private deliver(message: StoredMessage): void {
    const stream = kindOfSubject(message.subject) === 'event' ? EVENTS_WILDCARD : COMMANDS_WILDCARD;
    const log = this.retained.get(stream) ?? [];
    log.push(message);
    if (log.length > this.retainPerStream) log.splice(0, log.length - this.retainPerStream);
    this.retained.set(stream, log);
    for (const consumer of this.consumers) if (consumer.matches(message.subject)) consumer.push({ ...message, attempt: 1 });
  }

  private isDuplicate(id: string): boolean {
    const now = Date.now();
    const seen = this.seenIds.get(id);
    if (seen !== undefined && now - seen < this.duplicateWindowMs) return true;
    this.seenIds.set(id, now);
    if (this.seenIds.size > 100_000) {
      for (const [key, at] of this.seenIds) {
        if (now - at < this.duplicateWindowMs) break;
        this.seenIds.delete(key);
      }
    }
    return false;
  }

  private addConsumer(consumer: MemoryConsumer): Subscription {
    if (this.consumers.some((c) => c.durable === consumer.durable && !c.stopped)) {
      throw new Error(`consumer ${consumer.durable} already exists in this process`);
    }
    this.consumers.push(consumer);
    for (const stream of [EVENTS_WILDCARD, COMMANDS_WILDCARD]) {
      for (const message of this.retained.get(stream) ?? []) if (consumer.matches(message.subject)) consumer.push({ ...message, attempt: 1 });
    }
    return {
      stop: async () => {
        consumer.stop();
        this.consumers.splice(this.consumers.indexOf(consumer), 1);
      },
    };
  }

  private deadLetter(consumer: string, message: QueuedDelivery, reason: string): void {
    const list = this.deadLettered.get(consumer) ?? [];
    list.push({ consumer, subject: message.subject, reason, attempts: message.attempt, raw: message.raw, deadAt: new Date().toISOString() });
    if (list.length > 1000) list.shift();
    this.deadLettered.set(consumer, list);
  }

  async consume<M extends MessageDefinition>(definition: M, options: ConsumerOptions, handler: MessageHandler<M>): Promise<Subscription> {
    this.assertOpen();
    // Batches of one: each delivery is settled before the next is taken.
    const consumer: MemoryConsumer = new MemoryConsumer(options.durable, [definition.subject], 1, async (batch) => {
      for (const message of batch) {
        const verdict = await runDelivery(definition, message.raw, message.attempt, message.subject, options, handler, this.options.instrumentation);
        if (verdict.kind === 'ack') {
          if (definition.kind === 'command') this.replies.emit(verdict.envelope.id, verdict.outcome);
        } else if (verdict.kind === 'retry') {
          consumer.later({ ...message, attempt: message.attempt + 1 }, verdict.delayMs);
        } else {
          this.deadLetter(options.durable, message, verdict.reason);
          const id = idOf(message.raw);
          if (definition.kind === 'command' && id) this.replies.emit(id, deadLetterOutcome(verdict.reason));
        }
      }
    });
    return this.addConsumer(consumer);
  }

  async consumeAll(options: BatchConsumerOptions, handler: BatchHandler): Promise<Subscription> {
    this.assertOpen();
    const filters = options.kinds.map((kind) => (kind === 'event' ? EVENTS_WILDCARD : COMMANDS_WILDCARD));
    const consumer: MemoryConsumer = new MemoryConsumer(options.durable, filters, options.maxBatch ?? 500, async (batch) => {
      const deliveries: Delivery[] = [];
      for (const message of batch) {
        const decoded = decodeAnyEnvelope(message.raw);
        if (decoded.ok) deliveries.push({ envelope: decoded.envelope, attempt: message.attempt, subject: message.subject });
        else this.deadLetter(options.durable, message, decoded.reason);
      }
      if (deliveries.length === 0) return;
      try {
        await handler(deliveries);
      } catch (error) {
        const reason = `batch handler failed: ${error instanceof Error ? error.message : String(error)}`;
        for (const message of batch) {
          if (message.attempt >= (options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES)) this.deadLetter(options.durable, message, reason);
          else consumer.later({ ...message, attempt: message.attempt + 1 }, backoffFor(message.attempt, options.backoffMs));
        }
      }
    });
    return this.addConsumer(consumer);
  }

  async execute<M extends CommandDefinition>(definition: M, envelope: Envelope, timeoutMs: number): Promise<ExecuteResult<M>> {
    const outcome = new Promise<ExecuteResult<M>>((resolve) => {
      const timer = setTimeout(() => {
        this.replies.removeAllListeners(envelope.id);
        resolve({ ok: 'accepted', commandId: envelope.id });
      }, timeoutMs);
      this.replies.once(envelope.id, (reply: unknown) => {
        clearTimeout(timer);
        // Through JSON, as over NATS, so a reply that only works in memory fails here too.
        resolve(parseCommandReply(definition, JSON.parse(JSON.stringify(reply ?? null)) as unknown));
      });
    });
    try {
      await this.publish(definition, envelope);
    } catch (error) {
      this.replies.removeAllListeners(envelope.id);
      throw error;
    }
    return outcome;
  }

  async request<M extends QueryDefinition>(definition: M, envelope: Envelope, timeoutMs: number): Promise<ReplyOf<M>> {
    this.assertOpen();
    parsePayload(definition, envelope.data);
    const handlers = this.servers.get(definition.subject);
    // Nobody serving the query looks to the asker as it does over NATS: no reply in time.
    const handler = handlers?.[this.roundRobin++ % handlers.length];
    if (handler === undefined) throw new RequestTimeoutError(definition.subject, timeoutMs);
    const wire = JSON.parse(JSON.stringify(envelope)) as unknown;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(definition.subject, timeoutMs)), timeoutMs);
    });
    try {
      const answer = await Promise.race([handler(parseEnvelope(definition, wire)), timeout]);
      return definition.reply.parse(JSON.parse(JSON.stringify(answer))) as ReplyOf<M>;
    } finally {
      clearTimeout(timer);
    }
  }

  async serve<M extends QueryDefinition>(
    definition: M,
    handler: (envelope: Envelope<import('zod').infer<M['schema']>>) => Promise<ReplyOf<M>>,
  ): Promise<Subscription> {
    this.assertOpen();
    const handlers = this.servers.get(definition.subject) ?? [];
    const wrapped = handler as (envelope: Envelope) => Promise<unknown>;
    handlers.push(wrapped);
    this.servers.set(definition.subject, handlers);
    return { stop: async () => void handlers.splice(handlers.indexOf(wrapped), 1) };
  }

  async deadLetters(consumer: string, limit = 100): Promise<DeadLetter[]> {
    return (this.deadLettered.get(consumer) ?? []).slice(-limit);
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    return { ok: !this.closed, detail: this.closed ? 'closed' : `in-memory, ${this.consumers.length} consumers` };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const consumer of this.consumers) consumer.stop();
    this.consumers.length = 0;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the bus is closed');
  }
}

function idOf(raw: string): string | undefined {
  try {
    const value = JSON.parse(raw) as { id?: unknown };
    return typeof value.id === 'string' ? value.id : undefined;
  } catch {
    return undefined;
  }
}
