import type { QueryRunner } from 'typeorm';
import type { SchemaMigration } from '@somnus/persistence';

export function auditMigrations(schema: string): SchemaMigration[] {
  return [
    {
      name: '0001-records',
      async up(runner: QueryRunner) {
        await runner.query(`CREATE TABLE "${schema}".records (
          seq bigint PRIMARY KEY,
          message_id text NOT NULL UNIQUE,
          kind text NOT NULL,
          type text NOT NULL,
          subject text,
          node_id text,
          actor text NOT NULL,
          correlation_id text NOT NULL,
          causation_id text,
          time timestamptz NOT NULL,
          recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
          data jsonb NOT NULL,
          prev_hash text NOT NULL,
          hash text NOT NULL
        )`);
        for (const column of ['node_id', 'type', 'actor', 'correlation_id', 'time']) {
          await runner.query(`CREATE INDEX records_${column} ON "${schema}".records (${column})`);
        }
        // The tip of the chain, written with every append: deleting the newest records is detected too.
        await runner.query(`CREATE TABLE "${schema}".chain_head (id int PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL, hash text NOT NULL)`);
      },
      async down(runner: QueryRunner) {
        await runner.query(`DROP TABLE "${schema}".chain_head`);
        await runner.query(`DROP TABLE "${schema}".records`);
      },
    },
  ];
}
