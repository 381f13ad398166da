import type { QueryRunner } from 'typeorm';
import type { SchemaMigration } from '@somnus/persistence';

/** The scheduler's own tables: projections of the catalogue and of lifecycle/power, calendars, decisions, the lease. */
export function schedulerMigrations(schema: string): SchemaMigration[] {
  const s = `"${schema}"`;
  return [
    {
      name: '0001-scheduler',
      async up(runner: QueryRunner) {
        await runner.query(`CREATE TABLE ${s}.nodes (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          node jsonb NOT NULL,
          version int NOT NULL,
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
        await runner.query(`CREATE TABLE ${s}.node_lifecycle (
          node_id uuid PRIMARY KEY,
          state text,
          state_at timestamptz,
          power text,
          power_at timestamptz,
          last_wake_at timestamptz,
          last_sleep_at timestamptz,
          idle_since timestamptz,
          sleep_refused_at timestamptz
        )`);
        await runner.query(`CREATE TABLE ${s}.calendars (
          id uuid PRIMARY KEY,
          name text NOT NULL UNIQUE,
          spec jsonb NOT NULL,
          version int NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        )`);
        await runner.query(`CREATE TABLE ${s}.decisions (
          id uuid PRIMARY KEY,
          at timestamptz NOT NULL,
          action text NOT NULL,
          node_id uuid,
          node_name text,
          reason text NOT NULL,
          code text NOT NULL,
          policy text NOT NULL,
          dry_run boolean NOT NULL,
          correlation_id text NOT NULL
        )`);
        await runner.query(`CREATE INDEX decisions_at ON ${s}.decisions (at DESC, id)`);
        await runner.query(`CREATE INDEX decisions_node ON ${s}.decisions (node_id, at DESC)`);
        await runner.query(`CREATE TABLE ${s}.leader_lease (
          name text PRIMARY KEY,
          holder text NOT NULL,
          expires_at timestamptz NOT NULL,
          acquired_at timestamptz NOT NULL
        )`);
      },
      async down(runner: QueryRunner) {
        for (const table of ['leader_lease', 'decisions', 'calendars', 'node_lifecycle', 'nodes']) await runner.query(`DROP TABLE ${s}.${table}`);
      },
    },
    {
      name: '0002-wake-refused',
      async up(runner: QueryRunner) {
        await runner.query(`ALTER TABLE ${s}.node_lifecycle ADD COLUMN wake_refused_at timestamptz`);
      },
      async down(runner: QueryRunner) {
        await runner.query(`ALTER TABLE ${s}.node_lifecycle DROP COLUMN wake_refused_at`);
      },
    },
  ];
}
