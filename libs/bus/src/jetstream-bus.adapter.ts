import {
  AckPolicy,
  connect,
  ConsumerMessages,
  DeliverPolicy,
  headers as natsHeaders,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
  nanos,
  NatsConnection,
  RetentionPolicy,
  StorageType,
  StringCodec,
} from 'nats';
import { COMMANDS_WILDCARD, DEAD_LETTER_WILDCARD, Envelope, EVENTS_WILDCARD, kindOfSubject, MessageDefinition, parseEnvelope, parsePayload, ReplyOf } from '@somnus/contracts';
import {
  BatchConsumerOptions,
  BatchHandler,
  backoffFor,
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
  parseCommandReply,
  replySubject,
  RequestTimeoutError,
  Subscription,
} from './bus.port';
import { deadLetterOutcome, decodeAnyEnvelope, runDelivery } from './delivery-pipeline';

const codec = StringCodec();

export interface JetStreamBusOptions {
  url: string;
  /** Connection name shown by the NATS server, e.g. the service name. */
  name: string;
  /**
   * Isolates streams and subjects under a prefix (tests and benchmarks share a server with a running
   * stack). Empty in production: the subjects are exactly the catalogue's.
   */
  namespace?: string;
  /** Where new durable consumers start: `all` for the audit trail, `new` for services (default). */
  instrumentation?: BusInstrumentation;
  /** De-duplication window of the streams (default 2 minutes, JetStream's default). */
  duplicateWindowMs?: number;
}

export interface StreamSpec {
  name: string;
  /** The one wildcard the stream holds, which is also the filter of a consumer of all of it. */
  subject: string;
  maxAgeMs: number;
}

/** Thrown by `request` when the answering service reported an error. */
export class QueryFailedError extends Error {
  constructor(readonly subject: string, reason: string) {
    super(`${subject}: ${reason}`);
    this.name = 'QueryFailedError';
  }
}

const DAY_MS = 86_400_000;

/**
 * The distributed bus: streams for events, commands and dead letters; a durable pull consumer per service
 * and message type with explicit ack; redelivery with backoff through `nak(delay)`; de-duplication by the
 * envelope id (`Nats-Msg-Id`); request/reply with timeouts for queries; trace context in headers.
 */
export class JetStreamBus implements MessageBus {
  readonly adapter = 'jetstream' as const;
  private readonly subscriptions = new Set<Subscription>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly options: JetStreamBusOptions,
  ) {}

  static async connect(options: JetStreamBusOptions): Promise<JetStreamBus> {
    const nc = await connect({ servers: options.url, name: options.name, maxReconnectAttempts: -1 });
    const jsm = await nc.jetstreamManager();
    const bus = new JetStreamBus(nc, nc.jetstream(), jsm, options);
    await bus.ensureStreams();
    return bus;
  }

  private get prefix(): string {
    return jetStreamLayout(this.options.namespace ?? '').prefix;
  }

  /** The wire subject of a catalogue subject. */
  wire(subject: string): string {
    return `${this.prefix}${subject}`;
  }

  private get streams(): Record<'events' | 'commands' | 'deadletter', StreamSpec> {
    return jetStreamLayout(this.options.namespace ?? '').streams;
  }

  private streamOf(subject: string): StreamSpec {
    return kindOfSubject(subject) === 'event' ? this.streams.events : this.streams.commands;
  }

  private async ensureStreams(): Promise<void> {
    for (const spec of Object.values(this.streams)) {
      const config = {
        name: spec.name,
        subjects: [spec.subject],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(spec.maxAgeMs),
        duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
      };
      try {
        await this.jsm.streams.info(spec.name);
        await this.jsm.streams.update(spec.name, config);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await this.jsm.streams.add(config);
      }
    }
  }

  async publish(definition: MessageDefinition, envelope: Envelope): Promise<void> {
    if (definition.kind === 'query') throw new Error(`${definition.type} is a query: use request()`);
    parsePayload(definition, envelope.data);
    await this.publishRaw(definition.subject, JSON.stringify(envelope), envelope);
    this.options.instrumentation?.published?.(definition, envelope);
  }

  /** Publishes bytes as they are, de-duplicated by `envelope.id` when given. Tests use it for broken input. */
  async publishRaw(subject: string, raw: string, envelope?: Pick<Envelope, 'id' | 'traceparent' | 'tracestate'>): Promise<void> {
    const h = natsHeaders();
    if (envelope?.traceparent) h.set('traceparent', envelope.traceparent);
    if (envelope?.tracestate) h.set('tracestate', envelope.tracestate);
    await this.js.publish(this.wire(subject), codec.encode(raw), { msgID: envelope?.id, headers: h });
  }

  private async ensureConsumer(stream: string, durable: string, filterSubject: string, maxDeliveries: number, deliverAll: boolean): Promise<void> {
    const config = {
      durable_name: durable,
      filter_subject: filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: deliverAll ? DeliverPolicy.All : DeliverPolicy.New,
      // One more than ours, so the server never drops a message before we dead-letter it.
      max_deliver: maxDeliveries + 1,
      ack_wait: nanos(30_000),
      max_ack_pending: 10_000,
    };
    try {
      await this.jsm.consumers.info(stream, durable);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.jsm.consumers.add(stream, config);
    }
  }

  private async deadLetter(consumer: string, message: JsMsg, reason: string): Promise<void> {
    const letter: DeadLetter = {
      consumer,
      subject: message.subject.slice(this.prefix.length),
      reason,
      attempts: message.info.deliveryCount,
      raw: codec.decode(message.data),
      deadAt: new Date().toISOString(),
    };
    await this.js.publish(this.wire(`somnus.deadletter.${consumer}`), codec.encode(JSON.stringify(letter)));
  }

  /**
   * Pulls messages and hands them to `process` in batches of at most `maxBatch`, one batch at a time; the
   * feeder waits while a full batch is queued, so memory stays bounded.
   */
  private async pump(stream: string, durable: string, maxBatch: number, process: (batch: JsMsg[]) => Promise<void>): Promise<Subscription> {
    const consumer = await this.js.consumers.get(stream, durable);
    const messages: ConsumerMessages = await consumer.consume({ max_messages: Math.max(64, maxBatch * 2) });
    const pending: JsMsg[] = [];
    let wakeWorker: (() => void) | undefined;
    let wakeFeeder: (() => void) | undefined;
    let stopped = false;
    const feeder = (async () => {
      for await (const message of messages) {
        pending.push(message);
        wakeWorker?.();
        while (pending.length >= maxBatch * 2 && !stopped) await new Promise<void>((resolve) => (wakeFeeder = resolve));
      }
      stopped = true;
      wakeWorker?.();
    })();
    const worker = (async () => {
      while (!stopped || pending.length > 0) {
        if (pending.length === 0) {
          await new Promise<void>((resolve) => (wakeWorker = resolve));
          wakeWorker = undefined;
          continue;
        }
        // Batch consumers let the messages the client has already received join this batch (one turn of the
        // event loop), so a backlog is handled in large batches instead of one transaction per message.
        if (maxBatch > 1 && pending.length < maxBatch) await new Promise((resolve) => setImmediate(resolve));
        await process(pending.splice(0, maxBatch));
        wakeFeeder?.();
      }
    })();
    const subscription: Subscription = {
      stop: async () => {
        stopped = true;
        await messages.close();
        wakeFeeder?.();
        wakeWorker?.();
        await Promise.allSettled([feeder, worker]);
        this.subscriptions.delete(subscription);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  async consume<M extends MessageDefinition>(definition: M, options: ConsumerOptions, handler: MessageHandler<M>): Promise<Subscription> {
    const stream = this.streamOf(definition.subject).name;
    const maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    await this.ensureConsumer(stream, options.durable, this.wire(definition.subject), maxDeliveries, false);
    // Batches of one: each message is settled before the next is fetched.
    return this.pump(stream, options.durable, 1, async (batch) => {
      for (const message of batch) {
        const raw = codec.decode(message.data);
        const attempt = message.info.deliveryCount;
        const verdict = await runDelivery(definition, raw, attempt, definition.subject, options, handler, this.options.instrumentation);
        if (verdict.kind === 'ack') {
          message.ack();
          if (definition.kind === 'command') this.nc.publish(this.wire(replySubject(verdict.envelope.id)), codec.encode(JSON.stringify(verdict.outcome)));
        } else if (verdict.kind === 'retry') {
          message.nak(verdict.delayMs);
        } else {
          await this.deadLetter(options.durable, message, verdict.reason);
          message.term(verdict.reason.slice(0, 200));
          const id = message.headers?.get('Nats-Msg-Id');
          if (definition.kind === 'command' && id) this.nc.publish(this.wire(replySubject(id)), codec.encode(JSON.stringify(deadLetterOutcome(verdict.reason))));
        }
      }
    });
  }

  async consumeAll(options: BatchConsumerOptions, handler: BatchHandler): Promise<Subscription> {
    const maxDeliveries = options.maxDeliveries ?? DEFAULT_MAX_DELIVERIES;
    const parts: Subscription[] = [];
    for (const kind of options.kinds) {
      const spec = kind === 'event' ? this.streams.events : this.streams.commands;
      const durable = `${options.durable}-${kind}s`;
      await this.ensureConsumer(spec.name, durable, spec.subject, maxDeliveries, true);
      parts.push(
        await this.pump(spec.name, durable, options.maxBatch ?? 500, async (batch) => {
          const deliveries: Delivery[] = [];
          const accepted: JsMsg[] = [];
          for (const message of batch) {
            const decoded = decodeAnyEnvelope(codec.decode(message.data));
            if (decoded.ok) {
              deliveries.push({ envelope: decoded.envelope, attempt: message.info.deliveryCount, subject: message.subject.slice(this.prefix.length) });
              accepted.push(message);
            } else {
              await this.deadLetter(durable, message, decoded.reason);
              message.term();
            }
          }
          if (deliveries.length === 0) return;
          try {
            await handler(deliveries);
            for (const message of accepted) message.ack();
          } catch (error) {
            const reason = `batch handler failed: ${error instanceof Error ? error.message : String(error)}`;
            for (const message of accepted) {
              const attempt = message.info.deliveryCount;
              if (attempt >= maxDeliveries) {
                await this.deadLetter(durable, message, reason);
                message.term();
              } else message.nak(backoffFor(attempt, options.backoffMs));
            }
          }
        }),
      );
    }
    return { stop: async () => void (await Promise.all(parts.map((part) => part.stop()))) };
  }

  async execute<M extends CommandDefinition>(definition: M, envelope: Envelope, timeoutMs: number): Promise<ExecuteResult<M>> {
    const subscription = this.nc.subscribe(this.wire(replySubject(envelope.id)), { max: 1, timeout: timeoutMs });
    const outcome = (async (): Promise<ExecuteResult<M>> => {
      try {
        for await (const message of subscription) return parseCommandReply(definition, JSON.parse(codec.decode(message.data)) as unknown);
      } catch {
        // The subscription's timeout: the command is stored and will be handled; the caller gets its id.
      }
      return { ok: 'accepted', commandId: envelope.id };
    })();
    try {
      await this.publish(definition, envelope);
    } catch (error) {
      subscription.unsubscribe();
      throw error;
    }
    return outcome;
  }

  async request<M extends QueryDefinition>(definition: M, envelope: Envelope, timeoutMs: number): Promise<ReplyOf<M>> {
    parsePayload(definition, envelope.data);
    const h = natsHeaders();
    if (envelope.traceparent) h.set('traceparent', envelope.traceparent);
    let reply;
    try {
      reply = await this.nc.request(this.wire(definition.subject), codec.encode(JSON.stringify(envelope)), { timeout: timeoutMs, headers: h });
    } catch {
      throw new RequestTimeoutError(definition.subject, timeoutMs);
    }
    const body = JSON.parse(codec.decode(reply.data)) as { ok: true; answer: unknown } | { ok: false; error: string };
    if (!body.ok) throw new QueryFailedError(definition.subject, body.error);
    return definition.reply.parse(body.answer) as ReplyOf<M>;
  }

  async serve<M extends QueryDefinition>(
    definition: M,
    handler: (envelope: Envelope<import('zod').infer<M['schema']>>) => Promise<ReplyOf<M>>,
  ): Promise<Subscription> {
    const subscription = this.nc.subscribe(this.wire(definition.subject), { queue: definition.owner });
    const loop = (async () => {
      for await (const message of subscription) {
        let body: { ok: true; answer: unknown } | { ok: false; error: string };
        try {
          const envelope = parseEnvelope(definition, JSON.parse(codec.decode(message.data)));
          const run = () => handler(envelope);
          const answer = this.options.instrumentation ? await this.options.instrumentation.aroundHandler(definition.owner, envelope, run) : await run();
          body = { ok: true, answer };
        } catch (error) {
          body = { ok: false, error: error instanceof Error ? error.message : String(error) };
        }
        message.respond(codec.encode(JSON.stringify(body)));
      }
    })();
    const handle: Subscription = {
      stop: async () => {
        subscription.unsubscribe();
        await loop;
        this.subscriptions.delete(handle);
      },
    };
    this.subscriptions.add(handle);
    return handle;
  }

  async deadLetters(consumer: string, limit = 100): Promise<DeadLetter[]> {
    const stream = this.streams.deadletter.name;
    const subject = this.wire(`somnus.deadletter.${consumer}`);
    const info = await this.jsm.streams.info(stream, { subjects_filter: subject });
    const count = info.state.subjects?.[subject] ?? 0;
    if (count === 0) return [];
    const reader = await this.js.consumers.get(stream, { filterSubjects: subject });
    const letters: DeadLetter[] = [];
    const messages = await reader.fetch({ max_messages: Math.min(count, 10_000), expires: 2_000 });
    for await (const message of messages) {
      letters.push(JSON.parse(codec.decode(message.data)) as DeadLetter);
      if (letters.length >= count) break;
    }
    return letters.slice(-limit);
  }

  async health(): Promise<{ ok: boolean; detail: string }> {
    if (this.nc.isClosed()) return { ok: false, detail: 'connection closed' };
    try {
      const info = await this.jsm.getAccountInfo();
      return { ok: true, detail: `jetstream, ${info.streams} streams` };
    } catch (error) {
      return { ok: false, detail: `jetstream unavailable: ${error instanceof Error ? error.message : String(error)}` };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.nc.drain().catch(() => undefined);
  }
}

/**
 * Where a namespace's messages live: the subject prefix and the three streams. A namespace (tests,
 * benchmarks, stacks sharing one server) prefixes every subject and stream; the empty one is production.
 */
export function jetStreamLayout(namespace: string): { readonly prefix: string; readonly streams: Record<'events' | 'commands' | 'deadletter', StreamSpec> } {
  const prefix = namespace ? `${namespace}.` : '';
  const streamName = (base: string) => (namespace ? `${namespace}_${base}`.replace(/[^A-Za-z0-9_-]/g, '_') : base);
  return {
    prefix,
    streams: {
      events: { name: streamName('SOMNUS_EVENTS'), subject: `${prefix}${EVENTS_WILDCARD}`, maxAgeMs: 30 * DAY_MS },
      commands: { name: streamName('SOMNUS_COMMANDS'), subject: `${prefix}${COMMANDS_WILDCARD}`, maxAgeMs: 30 * DAY_MS },
      deadletter: { name: streamName('SOMNUS_DEADLETTER'), subject: `${prefix}${DEAD_LETTER_WILDCARD}`, maxAgeMs: 90 * DAY_MS },
    },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && /not found/i.test(error.message);
}
