import type { EntityManager } from 'typeorm';
import { type Cause, createEnvelope, type Envelope, type MessageDefinition, parsePayload, type Payload } from '@somnus/contracts';

// Shaped like `Tx` and `Transactions` of @somnus/persistence (checked where the fakes are passed in): this
// library cannot import persistence, whose own tests import this library.
type Emit = <M extends MessageDefinition>(definition: M, data: Payload<M>, init: { cause: Cause; subject?: string }) => Promise<Envelope<Payload<M>>>;
interface FakeableTx {
  readonly manager: EntityManager;
  emit: Emit;
}
type Outcome<T> = { duplicate: false; result: T } | { duplicate: true };

/** A transaction of `FakeTransactions`: emits into a list that counts only once the work returns. */
export class FakeTx implements FakeableTx {
  readonly emitted: Envelope[] = [];

  /** Unit tests reach no database: code that still asks the manager for SQL fails loudly. */
  readonly manager = new Proxy({} as EntityManager, {
    get(_target, property) {
      throw new Error(`FakeTx has no EntityManager (asked for ${String(property)}): give the code a repository port instead`);
    },
  });

  constructor(
    private readonly source: string,
    private readonly now: () => number,
  ) {}

  async emit<M extends MessageDefinition>(definition: M, data: Payload<M>, init: { cause: Cause; subject?: string }): Promise<Envelope<Payload<M>>> {
    if (definition.kind === 'query') throw new Error(`${definition.type} is a query and cannot be emitted`);
    // Validated as the real outbox does, so a wrong payload fails the unit test too.
    const payload = parsePayload(definition, data) as Payload<M>;
    const envelope = createEnvelope(definition.type, payload, { source: this.source, subject: init.subject, cause: init.cause, time: new Date(this.now()) });
    this.emitted.push(envelope);
    return envelope;
  }
}

/**
 * `Transactions` in memory: each `transact` runs the work with a fresh `FakeTx`; what it emitted is
 * published (appended to `published`) only when the work returns, and dropped when it throws. An inbox
 * entry seen before makes the call a duplicate, as the real inbox does.
 */
export class FakeTransactions {
  readonly published: Envelope[] = [];
  readonly inbox = new Set<string>();
  /** How many units of work ran to the end, and how many threw. */
  committed = 0;
  rolledBack = 0;

  constructor(
    /** The `source` of what it emits, as `ServiceStore.source`. */
    readonly source = 'somnus/test',
    private readonly now: () => number = () => Date.now(),
  ) {}

  async transact<T>(work: (tx: FakeTx) => Promise<T>, inbox?: { consumer: string; messageId: string }): Promise<Outcome<T>> {
    const key = inbox ? `${inbox.consumer}\u0000${inbox.messageId}` : undefined;
    if (key && this.inbox.has(key)) return { duplicate: true };
    const tx = new FakeTx(this.source, this.now);
    let result: T;
    try {
      result = await work(tx);
    } catch (error) {
      this.rolledBack += 1;
      throw error;
    }
    if (key) this.inbox.add(key);
    this.committed += 1;
    this.published.push(...tx.emitted);
    return { duplicate: false, result };
  }

  /** The published messages of one type, in order. */
  ofType<M extends MessageDefinition>(definition: M): Envelope<Payload<M>>[] {
    return this.published.filter((e) => e.type === definition.type) as Envelope<Payload<M>>[];
  }
}
