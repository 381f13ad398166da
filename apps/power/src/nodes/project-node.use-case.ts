// What a catalogue event changes in the power service: the `nodes` table and the in-memory directory, and a
// removed node's power state, in one transaction (claimed in the inbox when it comes from an event).
import type { Node } from '@somnus/contracts';
import type { InboxEntry, Transactions } from '@somnus/persistence';
import type { NodeDirectory } from './node-directory';
import type { PowerNodesRepository } from './power-nodes.repository';
import type { PowerStateBook } from './power-state-book';

export class ProjectNodeUseCase {
  constructor(
    private readonly nodes: PowerNodesRepository,
    private readonly transactions: Transactions,
    private readonly directory: Pick<NodeDirectory, 'remember' | 'forget'>,
    private readonly states: Pick<PowerStateBook, 'forget'>,
  ) {}

  /** The nodes stored by the last run, back in memory; how many. */
  async load(): Promise<number> {
    const nodes = await this.nodes.all();
    for (const node of nodes) this.directory.remember(node);
    return nodes.length;
  }

  /** True when this changed the projection (not a redelivery, and not older than what is held). */
  async upserted(node: Node, inbox?: InboxEntry): Promise<boolean> {
    const outcome = await this.transactions.transact((tx) => this.nodes.upsert(tx, node), inbox);
    if (outcome.duplicate || !outcome.result) return false;
    this.directory.remember(node);
    return true;
  }

  async removed(nodeId: string, inbox?: InboxEntry): Promise<void> {
    await this.transactions.transact(async (tx) => {
      await this.nodes.remove(tx, nodeId);
      this.directory.forget(nodeId);
      this.states.forget(nodeId);
    }, inbox);
  }
}
