// The power service's `nodes` table (its projection of inventory's catalogue) and what goes with a node.
import type { DataSource } from 'typeorm';
import { type Node, nodeSchema } from '@somnus/contracts';
import type { Tx } from '@somnus/persistence';
import { PowerNodeEntity } from '../persistence/power-node.entity';

export interface PowerNodesRepository {
  /** Every stored node that still reads as a valid catalogue entry. */
  all(): Promise<Node[]>;
  /** Stores a node unless the stored one is newer; true when it changed anything. */
  upsert(tx: Tx, node: Node): Promise<boolean>;
  /** Forgets a node and its power state. */
  remove(tx: Tx, nodeId: string): Promise<void>;
}

export const POWER_NODES = Symbol('POWER_NODES');

export class SqlPowerNodesRepository implements PowerNodesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async all(): Promise<Node[]> {
    const rows = await this.dataSource.manager.getRepository(PowerNodeEntity).find();
    return rows.flatMap((row) => {
      const parsed = nodeSchema.safeParse(row.node);
      return parsed.success ? [parsed.data] : [];
    });
  }

  async upsert(tx: Tx, node: Node): Promise<boolean> {
    const rows = (await tx.manager.query(
      `INSERT INTO power.nodes (id, name, version, node, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version, node = EXCLUDED.node, updated_at = now()
       WHERE power.nodes.version <= EXCLUDED.version
       RETURNING id`,
      [node.id, node.name, node.version, JSON.stringify(node)],
    )) as unknown[];
    return rows.length > 0;
  }

  async remove(tx: Tx, nodeId: string): Promise<void> {
    await tx.manager.query('DELETE FROM power.nodes WHERE id = $1', [nodeId]);
    await tx.manager.query('DELETE FROM power.power_states WHERE node_id = $1', [nodeId]);
  }
}
