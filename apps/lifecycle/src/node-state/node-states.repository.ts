import { EntityManager } from 'typeorm';
import { NodeState, TransitionRecord } from '@somnus/contracts';
import { HistoryKind, NodeHistoryEntity } from '../persistence/node-history.entity';
import { NodeStateEntity } from '../persistence/node-state.entity';

/** The node state and history tables, read and written inside the caller's transaction (or outside one). */
export class NodeStatesRepository {
  constructor(private readonly manager: EntityManager) {}

  private get nodes() {
    return this.manager.getRepository(NodeStateEntity);
  }

  private get history() {
    return this.manager.getRepository(NodeHistoryEntity);
  }

  /** With `lock`, the row stays locked until the transaction ends, so two handlers never move one node at once. */
  find(id: string, lock = false): Promise<NodeStateEntity | null> {
    return this.nodes.findOne({ where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  list(): Promise<NodeStateEntity[]> {
    return this.nodes.find({ order: { name: 'ASC' } });
  }

  save(entity: NodeStateEntity): Promise<NodeStateEntity> {
    return this.nodes.save(entity);
  }

  async remove(id: string): Promise<void> {
    await this.nodes.delete({ id });
  }

  async record(entry: Omit<NodeHistoryEntity, 'id'>): Promise<void> {
    await this.history.insert(entry);
  }

  /** Newest first. */
  recentHistory(nodeId: string, limit: number): Promise<NodeHistoryEntity[]> {
    return this.history.find({ where: { nodeId }, order: { id: 'DESC' }, take: limit });
  }

  async lastTransitions(): Promise<Map<string, NodeHistoryEntity>> {
    const rows = await this.history
      .createQueryBuilder('h')
      .distinctOn(['h.nodeId'])
      .where('h.kind = :kind', { kind: 'transition' satisfies HistoryKind })
      .orderBy('h.nodeId')
      .addOrderBy('h.id', 'DESC')
      .getMany();
    return new Map(rows.map((row) => [row.nodeId, row]));
  }

  async lastTransition(nodeId: string): Promise<NodeHistoryEntity | null> {
    return this.history.findOne({ where: { nodeId, kind: 'transition' }, order: { id: 'DESC' } });
  }
}

export function toTransitionRecord(entry: NodeHistoryEntity): TransitionRecord {
  return { from: entry.from, to: entry.to, reason: entry.reason, actor: entry.actor, at: entry.at.toISOString() };
}

export function toNodeState(entity: NodeStateEntity, last: NodeHistoryEntity | null | undefined): NodeState {
  return {
    nodeId: entity.id,
    name: entity.name,
    state: entity.state,
    powerState: entity.powerState,
    since: entity.since.toISOString(),
    lastTransition: last ? toTransitionRecord(last) : null,
  };
}
