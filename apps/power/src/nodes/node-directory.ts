// The nodes the power service may act on, held in memory so a wake reads no table before its magic packet
// leaves, and persisted in the service's own `nodes` table (a projection of inventory's events).
import type { EntityManager } from 'typeorm';
import { Node, nodeSchema } from '@somnus/contracts';
import { PowerNodeEntity } from '../persistence/power-node.entity';

export class NodeDirectory {
  private readonly byId = new Map<string, Node>();

  get size(): number {
    return this.byId.size;
  }

  get(nodeId: string): Node | undefined {
    return this.byId.get(nodeId);
  }

  all(): Node[] {
    return [...this.byId.values()];
  }

  async load(manager: EntityManager): Promise<number> {
    const rows = await manager.getRepository(PowerNodeEntity).find();
    for (const row of rows) {
      const parsed = nodeSchema.safeParse(row.node);
      if (parsed.success) this.byId.set(row.id, parsed.data);
    }
    return this.byId.size;
  }

  /**
   * Records a node unless what we hold is newer (events and the seeding query can arrive in any order).
   * Returns whether it changed anything.
   */
  async upsert(manager: EntityManager, node: Node): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO power.nodes (id, name, version, node, updated_at) VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, version = EXCLUDED.version, node = EXCLUDED.node, updated_at = now()
       WHERE power.nodes.version <= EXCLUDED.version
       RETURNING id`,
      [node.id, node.name, node.version, JSON.stringify(node)],
    )) as unknown[];
    if (rows.length === 0) return false;
    this.byId.set(node.id, node);
    return true;
  }

  async remove(manager: EntityManager, nodeId: string): Promise<boolean> {
    await manager.query('DELETE FROM power.nodes WHERE id = $1', [nodeId]);
    return this.byId.delete(nodeId);
  }
}
