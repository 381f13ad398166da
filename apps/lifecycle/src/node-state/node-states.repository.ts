import type { EntityManager } from 'typeorm';
import type { Tx } from '@somnus/persistence';
import { NodeState, TransitionRecord } from '@somnus/contracts';
import { HistoryKind, NodeHistoryEntity } from '../persistence/node-history.entity';
import { NodeStateEntity } from '../persistence/node-state.entity';

export type HistoryEntry = Omit<NodeHistoryEntity, 'id'>;

/**
 * Each node's state and its history. Reads outside a transaction see what is committed; reads given the
 * caller's `tx` see that transaction's writes, and `find` then locks the row until the transaction ends, so
 * two handlers never move one node at once.
 */
export interface NodeStatesRepository {
  find(nodeId: string, tx?: Tx): Promise<NodeStateEntity | null>;
  /** Ordered by name. */
  list(tx?: Tx): Promise<NodeStateEntity[]>;
  save(tx: Tx, entity: NodeStateEntity): Promise<void>;
  remove(nodeId: string): Promise<void>;
  record(tx: Tx, entry: HistoryEntry): Promise<void>;
  /** Newest first. */
  recentHistory(nodeId: string, limit: number): Promise<NodeHistoryEntity[]>;
  lastTransition(nodeId: string, tx?: Tx): Promise<NodeHistoryEntity | null>;
  lastTransitions(): Promise<Map<string, NodeHistoryEntity>>;
}

export const NODE_STATES = Symbol('NODE_STATES');

/** The `nodes` and `node_history` tables, through TypeORM. */
export class SqlNodeStatesRepository implements NodeStatesRepository {
  /** `manager` answers reads outside a transaction (the data source's manager). */
  constructor(private readonly manager: EntityManager) {}

  private nodes(tx?: Tx) {
    return (tx?.manager ?? this.manager).getRepository(NodeStateEntity);
  }

  private history(tx?: Tx) {
    return (tx?.manager ?? this.manager).getRepository(NodeHistoryEntity);
  }

  find(nodeId: string, tx?: Tx): Promise<NodeStateEntity | null> {
    return this.nodes(tx).findOne({ where: { id: nodeId }, ...(tx ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  list(tx?: Tx): Promise<NodeStateEntity[]> {
    return this.nodes(tx).find({ order: { name: 'ASC' } });
  }

  async save(tx: Tx, entity: NodeStateEntity): Promise<void> {
    await this.nodes(tx).save(entity);
  }

  async remove(nodeId: string): Promise<void> {
    await this.nodes().delete({ id: nodeId });
  }

  async record(tx: Tx, entry: HistoryEntry): Promise<void> {
    await this.history(tx).insert(entry);
  }

  recentHistory(nodeId: string, limit: number): Promise<NodeHistoryEntity[]> {
    return this.history().find({ where: { nodeId }, order: { id: 'DESC' }, take: limit });
  }

  async lastTransitions(): Promise<Map<string, NodeHistoryEntity>> {
    const rows = await this.history()
      .createQueryBuilder('h')
      .distinctOn(['h.nodeId'])
      .where('h.kind = :kind', { kind: 'transition' satisfies HistoryKind })
      .orderBy('h.nodeId')
      .addOrderBy('h.id', 'DESC')
      .getMany();
    return new Map(rows.map((row) => [row.nodeId, row]));
  }

  lastTransition(nodeId: string, tx?: Tx): Promise<NodeHistoryEntity | null> {
    return this.history(tx).findOne({ where: { nodeId, kind: 'transition' }, order: { id: 'DESC' } });
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
