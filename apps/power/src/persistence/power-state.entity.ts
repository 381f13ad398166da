import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PowerState } from '@somnus/contracts';

/** What the power service last knew of a node's power: on, suspending, off, waking or unknown, and since when. */
@Entity({ schema: 'power', name: 'power_states' })
export class PowerStateEntity {
  @PrimaryColumn({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @Column({ type: 'text' })
  state!: PowerState;

  @Column({ type: 'timestamptz' })
  since!: Date;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'command_id', type: 'text', nullable: true })
  commandId!: string | null;
}
