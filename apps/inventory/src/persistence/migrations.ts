import type { QueryRunner } from 'typeorm';
import type { SchemaMigration } from '@somnus/persistence';

export function inventoryMigrations(schema: string): SchemaMigration[] {
  return [
    {
      name: '0001-nodes',
      async up(runner: QueryRunner) {
        await runner.query(`CREATE TABLE "${schema}".nodes (
          id uuid PRIMARY KEY,
          name text NOT NULL UNIQUE,
          tier text NOT NULL,
          spec jsonb NOT NULL,
          version int NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        )`);
        await runner.query(`CREATE INDEX nodes_tier ON "${schema}".nodes (tier)`);
      },
      async down(runner: QueryRunner) {
        await runner.query(`DROP TABLE "${schema}".nodes`);
      },
    },
  ];
}
