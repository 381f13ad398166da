import type { QueryRunner } from 'typeorm';
import type { SchemaMigration } from '@somnus/persistence';

export function powerMigrations(schema: string): SchemaMigration[] {
  const s = `"${schema}"`;
  return [
    {
      name: '0001-power-nodes-states-actions-energy',
      async up(runner: QueryRunner) {
        // The power service's own copy of the catalogue, fed by inventory's events (never inventory's tables).
        await runner.query(`CREATE TABLE ${s}.nodes (
          id uuid PRIMARY KEY,
          name text NOT NULL,
          version int NOT NULL,
          node jsonb NOT NULL,
          updated_at timestamptz NOT NULL
        )`);
        await runner.query(`CREATE TABLE ${s}.power_states (
          node_id uuid PRIMARY KEY,
          state text NOT NULL CHECK (state IN ('on', 'suspending', 'off', 'waking', 'unknown')),
          since timestamptz NOT NULL,
          reason text NOT NULL,
          command_id text
        )`);
        await runner.query(`CREATE TABLE ${s}.actions (
          command_id text PRIMARY KEY,
          node_id uuid NOT NULL,
          action text NOT NULL CHECK (action IN ('wake', 'sleep', 'power-off')),
          actor text NOT NULL,
          correlation_id text NOT NULL,
          reason text NOT NULL,
          outcome text NOT NULL,
          detail text,
          driver text,
          attempts int NOT NULL DEFAULT 0,
          requested_at timestamptz NOT NULL,
          finished_at timestamptz
        )`);
        await runner.query(`CREATE INDEX actions_node ON ${s}.actions (node_id, requested_at DESC)`);
        await runner.query(`CREATE TABLE ${s}.energy_samples (
          id bigserial PRIMARY KEY,
          node_id uuid NOT NULL,
          from_at timestamptz NOT NULL,
          to_at timestamptz NOT NULL,
          joules double precision NOT NULL,
          always_on_joules double precision NOT NULL,
          watts double precision NOT NULL,
          power_state text NOT NULL
        )`);
        await runner.query(`CREATE INDEX energy_samples_time ON ${s}.energy_samples (to_at)`);
        await runner.query(`CREATE INDEX energy_samples_node ON ${s}.energy_samples (node_id, to_at)`);
      },
      async down(runner: QueryRunner) {
        for (const table of ['energy_samples', 'actions', 'power_states', 'nodes']) await runner.query(`DROP TABLE ${s}.${table}`);
      },
    },
  ];
}
