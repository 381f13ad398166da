import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { NodeSpec } from '@somnus/contracts';

/** One catalogued node: the operator's spec as written (validated), plus identity and version. */
@Entity({ schema: 'inventory', name: 'nodes' })
export class NodeEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  tier!: string;

  @Column({ type: 'jsonb' })
  spec!: NodeSpec;

  @Column({ type: 'int' })
  version!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
