import type { QueryRunner } from 'typeorm';
import type { SchemaMigration } from '@somnus/persistence';

export function lifecycleMigrations(schema: string): SchemaMigration[] {
  return [
    {
      name: '0001-node-states-and-history',
      async up(runner: QueryRunner) {
        await runner.query(`CREATE TABLE "${schema}".nodes (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          node jsonb NOT NULL,
          state text NOT NULL,
          power_state text NOT NULL,
          since timestamptz NOT NULL,
          created_at timestamptz NOT NULL,
          woke_at timestamptz
        )`);
        await runner.query(`CREATE TABLE "${schema}".node_history (
          id bigserial PRIMARY KEY,
          node_id uuid NOT NULL,
          kind text NOT NULL,
          from_state text,
          to_state text NOT NULL,
          cause text,
          reason text NOT NULL,
          actor text NOT NULL,
          correlation_id text NOT NULL,
          at timestamptz NOT NULL
        )`);
        await runner.query(`CREATE INDEX node_history_node ON "${schema}".node_history (node_id, id)`);
      },
      async down(runner: QueryRunner) {
        await runner.query(`DROP TABLE "${schema}".node_history`);
        await runner.query(`DROP TABLE "${schema}".nodes`);
      },
    },
  ];
}
