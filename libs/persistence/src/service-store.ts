import { DataSource, EntityManager } from 'typeorm';
import { Cause, createEnvelope, Envelope, MessageDefinition, parsePayload, Payload } from '@somnus/contracts';
import { injectTraceContext } from '@somnus/telemetry';

/** Marks the message a handler is processing, so a redelivery of the same id is skipped. */
export interface InboxEntry {
  consumer: string;
  messageId: string;
}

/**
 * The transaction a unit of work runs in: its tables (for repositories) and the outbox. Use cases and
 * repositories take a `Tx` rather than building one; unit tests give them a fake.
 */
export interface Tx {
  readonly manager: EntityManager;
  /** Writes an event (or a command to another service) to the outbox, in this transaction. */
  emit<M extends MessageDefinition>(definition: M, data: Payload<M>, init: { cause: Cause; subject?: string }): Promise<Envelope<Payload<M>>>;
}

/** Runs work in one transaction, optionally claiming an inbox entry so a redelivery is skipped. */
export interface Transactions {
  transact<T>(work: (tx: Tx) => Promise<T>, inbox?: InboxEntry): Promise<TransactionResult<T>>;
}

/** A transaction of one service: its tables, and the events it will emit once the transaction commits. */
export class ServiceTransaction implements Tx {
  readonly emitted: Envelope[] = [];

  constructor(
    readonly manager: EntityManager,
    private readonly schema: string,
    private readonly source: string,
  ) {}

  /** Writes an event (or a command to another service) to the outbox, in this transaction. */
  async emit<M extends MessageDefinition>(definition: M, data: Payload<M>, init: { cause: Cause; subject?: string }): Promise<Envelope<Payload<M>>> {
    if (definition.kind === 'query') throw new Error(`${definition.type} is a query and cannot be emitted`);
    const payload = parsePayload(definition, data);
    // Inside a handler's span the event continues that span, so the trace shows what caused what.
    const active = injectTraceContext();
    const cause = active.traceparent ? { ...init.cause, traceparent: active.traceparent, tracestate: active.tracestate } : init.cause;
    const envelope = createEnvelope(definition.type, payload, { source: this.source, subject: init.subject, cause, time: new Date() });
    await this.manager.query(`INSERT INTO "${this.schema}".outbox (id, subject, envelope) VALUES ($1, $2, $3)`, [
      envelope.id,
      definition.subject,
      JSON.stringify(envelope),
    ]);
    this.emitted.push(envelope);
    return envelope;
  }
}

export type TransactionResult<T> = { duplicate: false; result: T } | { duplicate: true };

/**
 * One service's durable state: its schema in Postgres, with the outbox and inbox that make "change my
 * tables and emit an event" one atomic step, and handlers idempotent by envelope id.
 */
export class ServiceStore implements Transactions {
  private readonly committedListeners: (() => void)[] = [];

  constructor(
    readonly dataSource: DataSource,
    readonly schema: string,
    /** The `source` of the envelopes this service emits, e.g. `somnus/inventory`. */
    readonly source: string,
  ) {}

  onCommitted(listener: () => void): void {
    this.committedListeners.push(listener);
  }

  async transact<T>(work: (tx: Tx) => Promise<T>, inbox?: InboxEntry): Promise<TransactionResult<T>> {
    const outcome = await this.dataSource.transaction(async (manager): Promise<TransactionResult<T>> => {
      if (inbox) {
        const inserted = (await manager.query(
          `INSERT INTO "${this.schema}".inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING message_id`,
          [inbox.consumer, inbox.messageId],
        )) as unknown[];
        if (inserted.length === 0) return { duplicate: true };
      }
      const tx = new ServiceTransaction(manager, this.schema, this.source);
      const result = await work(tx);
      return { duplicate: false, result };
    });
    for (const listener of this.committedListeners) listener();
    return outcome;
  }
}
