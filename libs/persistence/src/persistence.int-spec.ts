import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { DataSource, QueryRunner } from 'typeorm';
import { NodeRemoved } from '@somnus/contracts';
import { JetStreamBus, removeJetStreamNamespace } from '@somnus/bus';
import { describeWithServices, realServices, uniqueName } from '@somnus/testing';
import { createDataSource } from './data-source.factory';
import { EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres';
import { messagingTablesMigration, runMigrations, SchemaMigration } from './migrations';
import { OutboxRelay } from './outbox-relay';
import { ServiceStore } from './service-store';

const run = promisify(execFile);
const root = resolve(__dirname, '../../..');

function thingsMigration(schema: string): SchemaMigration {
  return {
    name: '0001-things',
    up: async (runner: QueryRunner) => void (await runner.query(`CREATE TABLE "${schema}".things (name text PRIMARY KEY)`)),
    down: async (runner: QueryRunner) => void (await runner.query(`DROP TABLE "${schema}".things`)),
  };
}

/** The same persistence behaviour on the real PostgreSQL and on the embedded PGlite. */
function describePersistence(label: string, connect: () => Promise<{ url: string; stop(): Promise<void> }>, poolSize: number): void {
  describeWithServices(['nats'], `persistence on ${label}`, () => {
    let database: { url: string; stop(): Promise<void> };
    let dataSource: DataSource;
    let schema: string;
    const namespace = uniqueName('outbox');
    let bus: JetStreamBus;

    beforeAll(async () => {
      database = await connect();
      dataSource = await createDataSource({ url: database.url, entities: [], poolSize, applicationName: 'persistence-test' });
      bus = await JetStreamBus.connect({ url: realServices.natsUrl, name: 'persistence-test', namespace });
    });
    beforeEach(async () => {
      schema = uniqueName('svc').toLowerCase();
      await runMigrations(dataSource, schema, [messagingTablesMigration(schema), thingsMigration(schema)]);
    });
    afterAll(async () => {
      await bus.close();
      await removeJetStreamNamespace(realServices.natsUrl, namespace);
      await dataSource.destroy();
      await database.stop();
    });

    it('applies each migration once, recorded in the service own migrations table', async () => {
      const again = await runMigrations(dataSource, schema, [messagingTablesMigration(schema), thingsMigration(schema)]);
      expect(again).toEqual([]);
      const rows = (await dataSource.query(`SELECT name FROM "${schema}".migrations ORDER BY name`)) as { name: string }[];
      expect(rows.map((row) => row.name)).toEqual(['0000-messaging-outbox-inbox', '0001-things']);
    });

    it('commits the state change and its event together, or neither', async () => {
      const store = new ServiceStore(dataSource, schema, 'somnus/test');
      await expect(
        store.transact(async (tx) => {
          await tx.manager.query(`INSERT INTO "${schema}".things (name) VALUES ('half-done')`);
          await tx.emit(NodeRemoved, { nodeId: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', name: 'half-done' }, { cause: { actor: 't', correlationId: 'c' } });
          throw new Error('boom after the event was written');
        }),
      ).rejects.toThrow('boom');
      const things = (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".things`)) as { n: number }[];
      const outbox = (await dataSource.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)) as { n: number }[];
      expect([things[0]?.n, outbox[0]?.n]).toEqual([0, 0]);
    });

    it('skips a message id the consumer has already handled (inbox)', async () => {
      const store = new ServiceStore(dataSource, schema, 'somnus/test');
      let runs = 0;
      const work = async () => void (runs += 1);
      const first = await store.transact(work, { consumer: 'c1', messageId: 'm1' });
      const second = await store.transact(work, { consumer: 'c1', messageId: 'm1' });
      const otherConsumer = await store.transact(work, { consumer: 'c2', messageId: 'm1' });
      expect([first.duplicate, second.duplicate, otherConsumer.duplicate]).toEqual([false, true, false]);
      expect(runs).toBe(2);
    });

    it.each(['after-commit', 'after-publish'])('a process killed %s neither loses nor duplicates the event', async (crashPoint) => {
      const name = uniqueName('crash');
      const durable = uniqueName('crash-consumer');
      const received: string[] = [];
      await bus.consume(NodeRemoved, { durable }, async ({ envelope }) => void received.push(envelope.data.name));

      await expect(
        run(process.execPath, ['-r', './tools/register.js', 'libs/persistence/src/testing/outbox-crash.fixture.ts', database.url, schema, realServices.natsUrl, namespace, crashPoint, name], { cwd: root, timeout: 60_000 }),
      ).rejects.toMatchObject({ signal: 'SIGKILL' });

      const store = new ServiceStore(dataSource, schema, 'somnus/test');
      const relay = new OutboxRelay(store, bus);
      expect(await relay.pending()).toHaveLength(1);
      expect(await relay.relayOnce()).toBe(1);
      expect(await relay.pending()).toHaveLength(0);

      const deadline = Date.now() + 10_000;
      while (!received.includes(name) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      expect(received.filter((n) => n === name)).toHaveLength(1);
    }, 90_000);
  });
}

describeWithServices(['postgres'], 'real PostgreSQL', () => {
  describePersistence('PostgreSQL', async () => ({ url: realServices.postgresUrl, stop: async () => undefined }), 5);
});

describePersistence('embedded PGlite', async (): Promise<EmbeddedPostgres> => startEmbeddedPostgres('memory://'), 1);
