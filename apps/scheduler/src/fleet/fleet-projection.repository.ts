import type { EntityManager } from 'typeorm';
import type { LifecycleState, Node } from '@somnus/contracts';
import type { NodePower } from '@somnus/policy';
import type { ProjectedNode } from './fleet-snapshot';

interface ProjectedRow {
  node: Node | string;
  state: LifecycleState | null;
  state_at: Date | string | null;
  power: NodePower | null;
  power_at: Date | string | null;
  last_wake_at: Date | string | null;
  last_sleep_at: Date | string | null;
  idle_since: Date | string | null;
  sleep_refused_at: Date | string | null;
  wake_refused_at: Date | string | null;
}

function ms(value: Date | string | null): number | undefined {
  if (value === null) return undefined;
  const t = value instanceof Date ? value.getTime() : Date.parse(value);
  return Number.isFinite(t) ? t : undefined;
}

/** What lifecycle and power events change in the projection of one node. */
export type LifecyclePatch =
  | { kind: 'state'; state: LifecycleState; at: Date }
  | { kind: 'power'; power: NodePower; at: Date }
  | { kind: 'idle'; idleSince: Date; at: Date }
  | { kind: 'sleep-refused'; at: Date }
  | { kind: 'wake-refused'; at: Date };

/** The scheduler's projections of the catalogue and of each node's lifecycle, in its own schema. */
export class FleetProjectionRepository {
  constructor(
    private readonly manager: EntityManager,
    private readonly schema: string,
  ) {}

  /** Keeps the newest version of a node: a catalogue page read at start never overwrites a later event. */
  async upsertNode(node: Node): Promise<void> {
    await this.manager.query(
      `INSERT INTO "${this.schema}".nodes AS n (id, name, node, version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, node = EXCLUDED.node, version = EXCLUDED.version, updated_at = now()
       WHERE n.version <= EXCLUDED.version`,
      [node.id, node.name, JSON.stringify(node), node.version],
    );
  }

  async removeNode(nodeId: string): Promise<void> {
    await this.manager.query(`DELETE FROM "${this.schema}".nodes WHERE id = $1`, [nodeId]);
    await this.manager.query(`DELETE FROM "${this.schema}".node_lifecycle WHERE node_id = $1`, [nodeId]);
  }

  /** Applies what an event says, unless the projection already holds something newer of the same kind. */
  async applyLifecycle(nodeId: string, patch: LifecyclePatch): Promise<void> {
    const t = `"${this.schema}".node_lifecycle`;
    await this.manager.query(`INSERT INTO ${t} (node_id) VALUES ($1) ON CONFLICT DO NOTHING`, [nodeId]);
    switch (patch.kind) {
      case 'state':
        await this.manager.query(
          `UPDATE ${t} SET state = $2, state_at = $3,
             last_wake_at = CASE WHEN $2 IN ('ready', 'active', 'idle') AND state IN ('waking', 'sleeping') THEN $3 ELSE last_wake_at END,
             last_sleep_at = CASE WHEN $2 = 'sleeping' THEN $3 ELSE last_sleep_at END,
             idle_since = CASE WHEN $2 = 'idle' THEN COALESCE(idle_since, $3) WHEN $2 = 'active' OR $2 = 'sleeping' OR $2 = 'waking' THEN NULL ELSE idle_since END
           WHERE node_id = $1 AND (state_at IS NULL OR state_at <= $3)`,
          [nodeId, patch.state, patch.at],
        );
        return;
      case 'power':
        await this.manager.query(
          `UPDATE ${t} SET power = $2, power_at = $3,
             last_wake_at = CASE WHEN $2 = 'awake' THEN $3 ELSE last_wake_at END,
             last_sleep_at = CASE WHEN $2 = 'asleep' THEN $3 ELSE last_sleep_at END
           WHERE node_id = $1 AND (power_at IS NULL OR power_at <= $3)`,
          [nodeId, patch.power, patch.at],
        );
        return;
      case 'idle':
        await this.manager.query(`UPDATE ${t} SET idle_since = $2 WHERE node_id = $1`, [nodeId, patch.idleSince]);
        return;
      case 'sleep-refused':
        await this.manager.query(`UPDATE ${t} SET sleep_refused_at = $2 WHERE node_id = $1 AND (sleep_refused_at IS NULL OR sleep_refused_at <= $2)`, [nodeId, patch.at]);
        return;
      case 'wake-refused':
        await this.manager.query(`UPDATE ${t} SET wake_refused_at = $2 WHERE node_id = $1 AND (wake_refused_at IS NULL OR wake_refused_at <= $2)`, [nodeId, patch.at]);
        return;
    }
  }

  async list(): Promise<ProjectedNode[]> {
    const rows = (await this.manager.query(
      `SELECT n.node, l.state, l.state_at, l.power, l.power_at, l.last_wake_at, l.last_sleep_at, l.idle_since, l.sleep_refused_at, l.wake_refused_at
       FROM "${this.schema}".nodes n LEFT JOIN "${this.schema}".node_lifecycle l ON l.node_id = n.id ORDER BY n.name`,
    )) as ProjectedRow[];
    return rows.map((row) => ({
      node: typeof row.node === 'string' ? (JSON.parse(row.node) as Node) : row.node,
      state: row.state ?? undefined,
      stateAt: ms(row.state_at),
      power: row.power ?? undefined,
      powerAt: ms(row.power_at),
      lastWakeAt: ms(row.last_wake_at),
      lastSleepAt: ms(row.last_sleep_at),
      idleSince: ms(row.idle_since),
      sleepRefusedAt: ms(row.sleep_refused_at),
      wakeRefusedAt: ms(row.wake_refused_at),
    }));
  }
}
