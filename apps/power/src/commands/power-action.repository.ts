// The `actions` table: one row per power command, claimed together with the inbox entry, finished with its
// outcome. All of the power service's SQL about commands lives here.
import type { DataSource } from 'typeorm';
import type { Envelope } from '@somnus/contracts';
import type { Tx } from '@somnus/persistence';
import type { PowerAction } from '../drivers/power-driver.port';
import type { PowerActionOutcome } from '../persistence/power-action.entity';

export type PowerCommandEnvelope = Envelope<{ nodeId: string; reason: string }>;

export interface RecordedAction {
  readonly outcome: PowerActionOutcome;
  readonly detail: string | null;
}

export interface PowerActionRepository {
  /**
   * Marks the command as being handled and records it as `accepted`. False when this consumer already
   * handled that command id (a redelivery).
   */
  claim(consumer: string, envelope: PowerCommandEnvelope, action: PowerAction): Promise<boolean>;
  finish(tx: Tx, commandId: string, outcome: PowerActionOutcome, detail: string, driver: string | null, attempts: number): Promise<void>;
  /** Records a command for a node the catalogue does not have; the inbox entry is the caller's transaction's. */
  recordNotFound(tx: Tx, envelope: PowerCommandEnvelope, action: PowerAction, detail: string): Promise<void>;
  find(commandId: string): Promise<RecordedAction | undefined>;
}

export const POWER_ACTION_REPOSITORY = Symbol('POWER_ACTION_REPOSITORY');

export class SqlPowerActionRepository implements PowerActionRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** ONE statement (one round trip, no explicit transaction): all that stands between a WakeNode and its magic packet. */
  async claim(consumer: string, envelope: PowerCommandEnvelope, action: PowerAction): Promise<boolean> {
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

  async finish(tx: Tx, commandId: string, outcome: PowerActionOutcome, detail: string, driver: string | null, attempts: number): Promise<void> {
    await tx.manager.query(
      `UPDATE power.actions SET outcome = $2, detail = $3, driver = COALESCE($4, driver), attempts = GREATEST(attempts, $5), finished_at = now() WHERE command_id = $1`,
      [commandId, outcome, detail.slice(0, 2000), driver, attempts],
    );
  }

  async recordNotFound(tx: Tx, envelope: PowerCommandEnvelope, action: PowerAction, detail: string): Promise<void> {
    await tx.manager.query(
      `INSERT INTO power.actions (command_id, node_id, action, actor, correlation_id, reason, outcome, detail, attempts, requested_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'not-found', $7, 0, now(), now()) ON CONFLICT (command_id) DO NOTHING`,
      [envelope.id, envelope.data.nodeId, action, envelope.actor, envelope.correlationId, envelope.data.reason, detail],
    );
  }

  async find(commandId: string): Promise<RecordedAction | undefined> {
    const rows = (await this.dataSource.query('SELECT outcome, detail FROM power.actions WHERE command_id = $1', [commandId])) as RecordedAction[];
    return rows[0];
  }
}
