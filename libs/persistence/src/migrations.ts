import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';

/** A migration of one service's schema. The name orders them and is recorded once applied. */
export interface SchemaMigration extends MigrationInterface {
  readonly name: string;
}

function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a valid schema name`);
  return `"${name}"`;
}

/**
 * Runs a service's pending migrations, each in its own transaction, recorded in the service's own
 * migrations table (`<schema>.migrations`). An advisory lock keeps two replicas from racing.
 */
export async function runMigrations(dataSource: DataSource, schema: string, migrations: SchemaMigration[]): Promise<string[]> {
  const s = quoteIdent(schema);
  const applied: string[] = [];
  const runner: QueryRunner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await runner.query(`CREATE TABLE IF NOT EXISTS ${s}.migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of [...migrations].sort((a, b) => a.name.localeCompare(b.name))) {
      await runner.startTransaction();
      try {
        await runner.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`somnus:migrations:${schema}`]);
        const done = (await runner.query(`SELECT 1 FROM ${s}.migrations WHERE name = $1`, [migration.name])) as unknown[];
        if (done.length === 0) {
          await migration.up(runner);
          await runner.query(`INSERT INTO ${s}.migrations (name) VALUES ($1)`, [migration.name]);
          applied.push(migration.name);
        }
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw new Error(`migration ${schema}/${migration.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await runner.release();
  }
  return applied;
}

/** The outbox and inbox tables every service that emits or consumes messages has in its schema. */
export function messagingTablesMigration(schema: string): SchemaMigration {
  const s = quoteIdent(schema);
  return {
    name: '0000-messaging-outbox-inbox',
    async up(runner: QueryRunner) {
      await runner.query(`CREATE TABLE ${s}.outbox (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        subject text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
      await runner.query(`CREATE INDEX outbox_unpublished ON ${s}.outbox (seq) WHERE published_at IS NULL`);
      await runner.query(`CREATE TABLE ${s}.inbox (
        consumer text NOT NULL,
        message_id text NOT NULL,
        handled_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, message_id)
      )`);
    },
    async down(runner: QueryRunner) {
      await runner.query(`DROP TABLE ${s}.inbox`);
      await runner.query(`DROP TABLE ${s}.outbox`);
    },
  };
}
