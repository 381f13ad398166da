import { Column, Entity, PrimaryColumn } from 'typeorm';

export type PowerActionOutcome = 'accepted' | 'refused' | 'not-found' | 'woke' | 'wake-failed' | 'slept' | 'sleep-failed';

/** One power command as carried out: who asked, why, what happened, how many attempts. */
@Entity({ schema: 'power', name: 'actions' })
export class PowerActionEntity {
  @PrimaryColumn({ name: 'command_id', type: 'text' })
  commandId!: string;

  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @Column({ type: 'text' })
  action!: 'wake' | 'sleep' | 'power-off';

  @Column({ type: 'text' })
  actor!: string;

  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  outcome!: PowerActionOutcome;

  @Column({ type: 'text', nullable: true })
  detail!: string | null;

  @Column({ type: 'text', nullable: true })
  driver!: string | null;

  @Column({ type: 'int' })
  attempts!: number;

  @Column({ name: 'requested_at', type: 'timestamptz' })
  requestedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
