import { createEnvelope, type Envelope, NodeTransitioned, type Payload, SetMaintenance, TransitionRejected } from '@somnus/contracts';
import type { Delivery } from '@somnus/bus';
import { catalogueNode, FakeClock, FakeTransactions } from '@somnus/testing';
import { loadLifecycleConfig } from '../config/lifecycle.config';
import { FakeCluster, FakeNodeStates, FakeReachability, nodeState } from '../testing/fakes';
import { NodeStatesHandler } from './node-states.handler';
import { TransitionRecorder } from './transition-recorder';

const SSH = { host: '127.0.0.1', port: 2202, user: 'somnus', keyRef: 'n.key', hostKeySha256: `SHA256:${'A'.repeat(43)}` };
const noBus = { request: () => Promise.reject(new Error('no bus in unit tests')) };

function setup() {
  const clock = new FakeClock();
  const n1 = catalogueNode('n1', { kubernetesNodeName: 'k-n1' });
  const nodes = new FakeNodeStates([nodeState(n1, 'active')]);
  const cluster = new FakeCluster();
  const reachability = new FakeReachability();
  const transactions = new FakeTransactions('somnus/lifecycle', () => clock.now());
  const handler = new NodeStatesHandler(nodes, new TransitionRecorder(nodes), transactions, noBus, cluster, reachability, loadLifecycleConfig({}), clock);
  return { clock, n1, nodes, cluster, reachability, transactions, handler };
}

function maintenance(nodeId: string, actor: string, on = true, id?: string): Delivery<Payload<typeof SetMaintenance>> {
  const envelope: Envelope<Payload<typeof SetMaintenance>> = createEnvelope(
    SetMaintenance.type,
    { nodeId, maintenance: on, reason: 'replacing a disk' },
    { source: 'somnus/api-gateway', cause: { actor, correlationId: 'corr-m' }, time: new Date('2025-03-03T08:00:00Z'), id },
  );
  return { envelope, attempt: 1, subject: 'test' };
}

describe('NodeStatesHandler', () => {
  it('rejects a transition the table forbids (automation taking a node into maintenance) and records the rejection', async () => {
    const { handler, n1, nodes, transactions } = setup();
    const outcome = await handler.setMaintenance(maintenance(n1.id, 'policy:somnus'));

    expect(outcome).toMatchObject({ ok: false, code: 'refused' });
    expect(nodes.stateOf(n1.id)).toBe('active');
    const [rejected] = transactions.ofType(TransitionRejected);
    expect(rejected?.data).toMatchObject({ nodeId: n1.id, from: 'active', to: 'maintenance' });
    expect(rejected?.actor).toBe('policy:somnus');
    expect(nodes.history).toEqual([expect.objectContaining({ nodeId: n1.id, kind: 'rejected', from: 'active', to: 'active', actor: 'policy:somnus', reason: rejected?.data.reason })]);
    expect(transactions.ofType(NodeTransitioned)).toHaveLength(0);
  });

  it('answers an operator’s forbidden move as a conflict', async () => {
    const { handler, n1, nodes } = setup();
    const row = nodes.rows.get(n1.id);
    if (row) row.state = 'decommissioned';
    expect(await handler.setMaintenance(maintenance(n1.id, 'user:alice'))).toMatchObject({ ok: false, code: 'conflict' });
    expect(nodes.stateOf(n1.id)).toBe('decommissioned');
    expect(nodes.history.map((h) => h.kind)).toEqual(['rejected']);
  });

  it('takes a node into maintenance for an operator, with the transition as its last', async () => {
    const { handler, n1, nodes, clock } = setup();
    const outcome = await handler.setMaintenance(maintenance(n1.id, 'user:alice'));
    expect(outcome).toEqual({
      ok: true,
      result: expect.objectContaining({ nodeId: n1.id, state: 'maintenance', since: clock.date().toISOString(), lastTransition: expect.objectContaining({ from: 'active', to: 'maintenance', actor: 'user:alice' }) }),
    });
    expect(nodes.stateOf(n1.id)).toBe('maintenance');
  });

  it('answers a redelivered command with the node as it is, without moving it again', async () => {
    const { handler, n1, transactions } = setup();
    await handler.setMaintenance(maintenance(n1.id, 'user:alice', true, 'cmd-1'));
    expect(await handler.setMaintenance(maintenance(n1.id, 'user:alice', true, 'cmd-1'))).toMatchObject({ ok: true, result: { state: 'maintenance' } });
    expect(transactions.ofType(NodeTransitioned)).toHaveLength(1);
  });

  it('answers not-found for a node it does not know', async () => {
    const { handler } = setup();
    expect(await handler.setMaintenance(maintenance('9d6f3c9e-0000-4000-8000-000000000000', 'user:alice'))).toMatchObject({ ok: false, code: 'not-found' });
  });

  it('starts a newly catalogued node from what it observes, falling back to SSH when Kubernetes does not answer', async () => {
    const { handler, nodes, cluster, reachability, transactions } = setup();
    const ready = catalogueNode('n2', { kubernetesNodeName: 'k-n2' });
    cluster.nodes.set('k-n2', { ready: 'True', unreachable: false, unschedulable: false });
    await handler.catalogued(ready, { actor: 'system:inventory', correlationId: 'c1' });
    expect(nodes.stateOf(ready.id)).toBe('ready');

    cluster.unreachable = true;
    const asleep = catalogueNode('n3', { kubernetesNodeName: 'k-n3', ssh: SSH });
    await handler.catalogued(asleep, { actor: 'system:inventory', correlationId: 'c2' });
    expect(nodes.stateOf(asleep.id)).toBe('sleeping');
    const awake = catalogueNode('n4', { kubernetesNodeName: 'k-n4', ssh: { ...SSH, port: 2204 } });
    reachability.answering.add('127.0.0.1:2204');
    await handler.catalogued(awake, { actor: 'system:inventory', correlationId: 'c3' });
    expect(nodes.stateOf(awake.id)).toBe('ready');

    expect(transactions.ofType(NodeTransitioned).map((e) => [e.data.from, e.data.to])).toEqual([
      [null, 'ready'],
      [null, 'sleeping'],
      [null, 'ready'],
    ]);
    expect(nodes.history.filter((h) => h.kind === 'transition').map((h) => h.cause)).toEqual(['first-seen', 'first-seen', 'first-seen']);
  });
});
