import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Energy one node used over one sample interval, beside what it would have used awake all along. */
@Entity({ schema: 'power', name: 'energy_samples' })
export class EnergySampleEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'node_id', type: 'uuid' })
  nodeId!: string;

  @Column({ name: 'from_at', type: 'timestamptz' })
  fromAt!: Date;

  @Column({ name: 'to_at', type: 'timestamptz' })
  toAt!: Date;

  @Column({ type: 'double precision' })
  joules!: number;

  @Column({ name: 'always_on_joules', type: 'double precision' })
  alwaysOnJoules!: number;

  @Column({ type: 'double precision' })
  watts!: number;

  @Column({ name: 'power_state', type: 'text' })
  powerState!: string;
}
