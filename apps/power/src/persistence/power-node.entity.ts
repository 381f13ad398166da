import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Node } from '@somnus/contracts';

/** The power service's projection of one catalogued node (from node-upserted / node-removed). */
@Entity({ schema: 'power', name: 'nodes' })
export class PowerNodeEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'int' })
  version!: number;

  @Column({ type: 'jsonb' })
  node!: Node;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
