import { Envelope, MessageDefinition, messageByType } from '@somnus/contracts';
import { ServiceStore } from './service-store';

/**
 * Where the relay hands what it read from the outbox: the bus port's `publish` (MessageBus satisfies it).
 * Declared here so that persistence does not depend on the bus library.
 */
export interface OutboxPublisher {
  publish(definition: MessageDefinition, envelope: Envelope): Promise<void>;
}

interface PendingRow {
  seq: string;
  envelope: Envelope | string;
}

export interface OutboxRelayOptions {
  /** How often the relay looks for rows a crash left behind (it is also woken after every commit). */
  intervalMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

/**
 * Publishes what a service's transactions wrote to its outbox, in order, then marks the rows published.
 * A crash after commit and before publish loses nothing (the rows wait for the next relay); a crash after
 * publish and before marking publishes again with the same id, which JetStream's de-duplication and the
 * consumers' inbox drop.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  constructor(
    private readonly store: ServiceStore,
    private readonly bus: OutboxPublisher,
    private readonly options: OutboxRelayOptions = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.store.onCommitted(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.options.intervalMs ?? 1_000);
    this.timer.unref();
    this.kick();
  }

  /** Runs a relay pass now, or once more after the one under way. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          while ((await this.relayOnce()) > 0 && !this.stopped);
        } while (this.again && !this.stopped);
      } catch (error) {
        this.options.onError?.(error);
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** Rows written but not yet published, in commit order. */
  async pending(limit = this.options.batchSize ?? 500): Promise<{ seq: string; envelope: Envelope }[]> {
    const rows = (await this.store.dataSource.query(
      `SELECT seq, envelope FROM "${this.store.schema}".outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1`,
      [limit],
    )) as PendingRow[];
    return rows.map((row) => ({ seq: String(row.seq), envelope: typeof row.envelope === 'string' ? (JSON.parse(row.envelope) as Envelope) : row.envelope }));
  }

  /** Publishes rows (in order: all sent before any is awaited) without marking them. */
  async publish(rows: { envelope: Envelope }[]): Promise<void> {
    await Promise.all(
      rows.map(({ envelope }) => {
        const definition = messageByType(envelope.type);
        if (!definition) throw new Error(`outbox holds an unknown message type ${envelope.type}`);
        return this.bus.publish(definition, envelope);
      }),
    );
  }

  async markPublished(seqs: string[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.store.dataSource.query(`UPDATE "${this.store.schema}".outbox SET published_at = now() WHERE seq = ANY($1::bigint[])`, [seqs]);
  }

  /** One pass: publish up to a batch of pending rows and mark them. Returns how many it published. */
  async relayOnce(): Promise<number> {
    const rows = await this.pending();
    if (rows.length === 0) return 0;
    await this.publish(rows);
    await this.markPublished(rows.map((row) => row.seq));
    return rows.length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
