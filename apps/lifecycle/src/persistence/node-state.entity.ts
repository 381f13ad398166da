import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LifecycleState, Node, PowerState } from '@somnus/contracts';

/** One node as lifecycle sees it: its catalogue entry (projected from inventory's events) and its state. */
@Entity({ schema: 'lifecycle', name: 'nodes' })
export class NodeStateEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** The catalogue entry as inventory last published it. */
  @Column({ type: 'jsonb' })
  node!: Node;

  @Column({ type: 'text' })
  state!: LifecycleState;

  @Column({ name: 'power_state', type: 'text' })
  powerState!: PowerState;

  /** When the node entered `state`. */
  @Column({ type: 'timestamptz' })
  since!: Date;

  /** When lifecycle first saw the node. */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When the node last woke (verified); null if it never slept under Somnus. */
  @Column({ name: 'woke_at', type: 'timestamptz', nullable: true })
  wokeAt!: Date | null;
}
