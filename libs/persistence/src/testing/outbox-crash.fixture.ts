/**
 * A process that dies on purpose (SIGKILL, no clean-up) at a chosen point of the outbox path, so the
 * integration test can check what a real crash leaves behind. Usage:
 *   node -r ./tools/register.js libs/persistence/src/testing/outbox-crash.fixture.ts <dbUrl> <schema> <natsUrl> <namespace> <after-commit|after-publish> <name>
 */
import { NodeRemoved } from '@somnus/contracts';
import { JetStreamBus } from '@somnus/bus';
import { createDataSource } from '../data-source.factory';
import { OutboxRelay } from '../outbox-relay';
import { ServiceStore } from '../service-store';

async function main(): Promise<void> {
  const [url, schema, natsUrl, namespace, crashPoint, name] = process.argv.slice(2);
  if (url === undefined || schema === undefined || natsUrl === undefined || namespace === undefined || name === undefined || (crashPoint !== 'after-commit' && crashPoint !== 'after-publish')) {
    throw new Error('usage: outbox-crash.fixture.ts <dbUrl> <schema> <natsUrl> <namespace> <after-commit|after-publish> <name>');
  }
  const dataSource = await createDataSource({ url, entities: [], poolSize: 1, applicationName: 'outbox-crash-fixture' });
  const bus = await JetStreamBus.connect({ url: natsUrl, name: 'outbox-crash-fixture', namespace });
  const store = new ServiceStore(dataSource, schema, 'somnus/test');
  const relay = new OutboxRelay(store, bus);
  await store.transact(async (tx) => {
    await tx.manager.query(`INSERT INTO "${schema}".things (name) VALUES ($1)`, [name]);
    await tx.emit(NodeRemoved, { nodeId: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', name }, { cause: { actor: 'test:crash', correlationId: name } });
  });
  if (crashPoint === 'after-publish') await relay.publish(await relay.pending());
  process.kill(process.pid, 'SIGKILL');
}

void main();
