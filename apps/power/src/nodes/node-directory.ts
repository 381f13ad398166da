// The nodes the power service may act on, held in memory so a wake reads no table before its magic packet
// leaves. The `nodes` table behind it is the power-nodes repository's; the projection use case keeps both.
import type { Node } from '@somnus/contracts';

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

  remember(node: Node): void {
    this.byId.set(node.id, node);
  }

  forget(nodeId: string): boolean {
    return this.byId.delete(nodeId);
  }
}
