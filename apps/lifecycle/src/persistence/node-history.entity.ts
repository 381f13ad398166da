import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { LifecycleState } from '@somnus/contracts';

/**
 * What happened to a node, oldest first: applied transitions, transitions the table rejected, and drains a
 * safety check refused. Rejections and refusals leave the state as it was (`from` = `to`).
 */
export type HistoryKind = 'transition' | 'rejected' | 'refused';

@Entity({ schema: 'lifecycle', name: 'node_history' })
@Index(['nodeId', 'id'])
export class NodeHistoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @Column({ type: 'text' })
  kind!: HistoryKind;

  @Column({ name: 'from_state', type: 'text', nullable: true })
  from!: LifecycleState | null;

  @Column({ name: 'to_state', type: 'text' })
  to!: LifecycleState;

  /** The table's trigger for a transition, the safety check for a refusal. */
  @Column({ type: 'text', nullable: true })
  cause!: string | null;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;
}
