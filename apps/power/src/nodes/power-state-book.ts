// Each node's power state as the power service last established it (on, suspending, off, waking, unknown)
// and since when. Kept in memory for the energy meter and written to `power_states` in the same transaction
// as the event that announces the change.
import type { EntityManager } from 'typeorm';
import type { PowerState } from '@somnus/contracts';
import { PowerStateEntity } from '../persistence/power-state.entity';

export interface NodePowerState {
  readonly state: PowerState;
  readonly since: Date;
  readonly reason: string;
}

export type PowerStateListener = (nodeId: string, next: NodePowerState, previous: NodePowerState | undefined) => void;

export class PowerStateBook {
  private readonly states = new Map<string, NodePowerState>();
  private readonly listeners: PowerStateListener[] = [];

  get(nodeId: string): NodePowerState | undefined {
    return this.states.get(nodeId);
  }

  stateOf(nodeId: string): PowerState {
    return this.states.get(nodeId)?.state ?? 'unknown';
  }

  onChange(listener: PowerStateListener): void {
    this.listeners.push(listener);
  }

  async load(manager: EntityManager): Promise<void> {
    for (const row of await manager.getRepository(PowerStateEntity).find()) {
      this.states.set(row.nodeId, { state: row.state, since: row.since, reason: row.reason });
    }
  }

  /** Writes the new state in the caller's transaction; memory follows at once (a retry writes the same). */
  async set(manager: EntityManager, nodeId: string, state: PowerState, reason: string, commandId: string | null, at: Date): Promise<void> {
    await manager.query(
      `INSERT INTO power.power_states (node_id, state, since, reason, command_id) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (node_id) DO UPDATE SET state = EXCLUDED.state, since = EXCLUDED.since, reason = EXCLUDED.reason, command_id = EXCLUDED.command_id`,
      [nodeId, state, at, reason.slice(0, 2000), commandId],
    );
    const previous = this.states.get(nodeId);
    if (previous?.state === state) return;
    const next = { state, since: at, reason };
    this.states.set(nodeId, next);
    for (const listener of this.listeners) listener(nodeId, next, previous);
  }

  forget(nodeId: string): void {
    this.states.delete(nodeId);
  }
}
