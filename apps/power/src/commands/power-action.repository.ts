// The `actions` table: one row per power command, claimed together with the inbox entry.
import type { DataSource, EntityManager } from 'typeorm';
import type { Envelope } from '@somnus/contracts';
import type { PowerAction } from '../drivers/power-driver.port';
import type { PowerActionOutcome } from '../persistence/power-action.entity';

export interface RecordedAction {
  readonly outcome: PowerActionOutcome;
  readonly detail: string | null;
}

export class PowerActionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Marks the command as being handled and records it, in ONE statement (one round trip, no explicit
   * transaction): this is all that stands between a WakeNode and its magic packet. False when this consumer
   * already handled that command id (a redelivery).
   */
  async claim(consumer: string, envelope: Envelope<{ nodeId: string; reason: string }>, action: PowerAction): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `WITH claimed AS (
         INSERT INTO power.inbox (consumer, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING message_id
       )
       INSERT INTO power.actions (command_id, node_id, action, actor, correlation_id, reason, outcome, attempts, requested_at)
       SELECT message_id, $3, $4, $5, $6, $7, 'accepted', 0, now() FROM claimed
       ON CONFLICT (command_id) DO NOTHING
       RETURNING command_id`,
      [consumer, envelope.id, envelope.data.nodeId, action, envelope.actor, envelope.correlationId, envelope.data.reason],
    )) as unknown[];
    return rows.length > 0;
  }

  async finish(manager: EntityManager, commandId: string, outcome: PowerActionOutcome, detail: string, driver: string | null, attempts: number): Promise<void> {
    await manager.query(
      `UPDATE power.actions SET outcome = $2, detail = $3, driver = COALESCE($4, driver), attempts = GREATEST(attempts, $5), finished_at = now() WHERE command_id = $1`,
      [commandId, outcome, detail.slice(0, 2000), driver, attempts],
    );
  }

  async find(commandId: string): Promise<RecordedAction | undefined> {
    const rows = (await this.dataSource.query('SELECT outcome, detail FROM power.actions WHERE command_id = $1', [commandId])) as RecordedAction[];
    return rows[0];
  }

  /** The latest actions on one node, newest first (for operators and the gateway). */
  async recent(nodeId: string, limit = 20): Promise<Array<Record<string, unknown>>> {
    return (await this.dataSource.query(
      `SELECT command_id AS "commandId", action, actor, correlation_id AS "correlationId", reason, outcome, detail, driver, attempts,
              requested_at AS "requestedAt", finished_at AS "finishedAt"
         FROM power.actions WHERE node_id = $1 ORDER BY requested_at DESC LIMIT $2`,
      [nodeId, Math.min(1_000, Math.max(1, limit))],
    )) as Array<Record<string, unknown>>;
  }
}

/** Runs writes one after another (so a command's events reach the outbox in order), retrying each briefly. */
export class SerialWrites {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  write(work: () => Promise<void>): Promise<void> {
    const next = this.chain.then(() => retry(work, 3));
    this.chain = next.catch((error: unknown) => this.onError(error));
    return this.chain;
  }

  drained(): Promise<void> {
    return this.chain;
  }
}

async function retry(work: () => Promise<void>, attempts: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
