import type { QueryRunner } from 'typeorm';
import type { SchemaMigration } from '@somnus/persistence';

export function gatewayMigrations(schema: string): SchemaMigration[] {
  return [
    {
      name: '0001-tokens',
      async up(runner: QueryRunner) {
        await runner.query(`CREATE TABLE "${schema}".tokens (
          id uuid PRIMARY KEY,
          name text NOT NULL UNIQUE,
          role text NOT NULL CHECK (role IN ('read', 'operate', 'admin')),
          secret_sha256 text NOT NULL UNIQUE,
          created_at timestamptz NOT NULL,
          created_by text NOT NULL,
          revoked_at timestamptz
        )`);
      },
      async down(runner: QueryRunner) {
        await runner.query(`DROP TABLE "${schema}".tokens`);
      },
    },
  ];
}
