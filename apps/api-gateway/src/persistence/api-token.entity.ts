import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ApiRole } from '@somnus/contracts';

/** An API token: only the SHA-256 of its secret is stored; the secret is shown once, at creation. */
@Entity({ schema: 'api_gateway', name: 'tokens' })
export class ApiTokenEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text', unique: true })
  name!: string;

  @Column({ type: 'text' })
  role!: ApiRole;

  @Column({ name: 'secret_sha256', type: 'text', unique: true })
  secretSha256!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
