import { DrainCompleted, DrainRejected, NodeTransitioned, SleepNode } from '@somnus/contracts';
import { catalogueNode, FakeClock, FakeTransactions } from '@somnus/testing';
import { loadLifecycleConfig } from '../config/lifecycle.config';
import { TransitionRecorder } from '../node-state/transition-recorder';
import { FakeBackgroundTasks, FakeCluster, FakeNodeStates, nodeState, pod } from '../testing/fakes';
import { DrainNodeUseCase } from './drain-node.use-case';

const cause = { actor: 'policy:somnus', correlationId: 'corr-1', causationId: 'decision-1' };
const inbox = (messageId: string) => ({ consumer: 'lifecycle-drain-node', messageId });

function setup() {
  const clock = new FakeClock();
  const config = loadLifecycleConfig({});
  const n1 = catalogueNode('n1', { kubernetesNodeName: 'k-n1' });
  const n2 = catalogueNode('n2', { kubernetesNodeName: 'k-n2' });
  const nodes = new FakeNodeStates([nodeState(n1, 'idle'), nodeState(n2, 'active')]);
  const cluster = new FakeCluster();
  cluster.pods.set('k-n1', [pod('web-1')]);
  const transactions = new FakeTransactions('somnus/lifecycle', () => clock.now());
  const tasks = new FakeBackgroundTasks();
  const drain = new DrainNodeUseCase(nodes, new TransitionRecorder(nodes), transactions, cluster, tasks, config, clock);
  const request = (id = 'cmd-1', actor = 'policy:somnus') => drain.execute({ nodeId: n1.id, reason: 'idle for 20 min', thenSleep: true, commandId: id, actor }, cause, inbox(id));
  return { clock, config, n1, n2, nodes, cluster, transactions, tasks, drain, request };
}

describe('DrainNodeUseCase', () => {
  it('admits a safe drain, then cordons, evicts, and asks for sleep caused by the command', async () => {
    const { request, nodes, cluster, transactions, tasks, n1 } = setup();
    expect(await request()).toEqual({ ok: true, result: { nodeId: n1.id, accepted: true } });
    expect(transactions.ofType(NodeTransitioned).map((e) => e.data)).toEqual([{ nodeId: n1.id, from: 'idle', to: 'draining', reason: 'idle for 20 min' }]);
    await tasks.settled();

    expect(cluster.unschedulable.get('k-n1')).toBe(true);
    expect(cluster.evicted).toEqual(['apps/web-1']);
    expect(transactions.ofType(DrainCompleted).map((e) => e.data)).toEqual([{ nodeId: n1.id, evicted: 1 }]);
    const [sleep] = transactions.ofType(SleepNode);
    expect(sleep?.data).toEqual({ nodeId: n1.id, reason: 'drained (1 pod(s) evicted): idle for 20 min' });
    expect(sleep?.causationId).toBe('cmd-1');
    expect(nodes.stateOf(n1.id)).toBe('draining'); // sleeping comes with power's word
  });

  it('refuses a node running a workload that cannot move, with the reason, on record, and drains nothing', async () => {
    const { request, nodes, cluster, transactions, tasks, n1 } = setup();
    cluster.pods.set('k-n1', [pod('web-1'), pod('scratch', { ownerKinds: [] })]);
    const outcome = await request();

    expect(outcome).toMatchObject({ ok: false, code: 'refused' });
    expect(!outcome.ok && outcome.reason).toMatch(/^drain of n1 refused: unmovable-workload: pod apps\/scratch cannot move/);
    expect(transactions.ofType(DrainRejected).map((e) => e.data.check)).toEqual(['unmovable-workload']);
    expect(nodes.history.filter((h) => h.kind === 'refused').map((h) => h.cause)).toEqual(['unmovable-workload']);
    expect(nodes.stateOf(n1.id)).toBe('idle');
    expect(tasks.names).toEqual([]);
    expect(cluster.unschedulable.size).toBe(0);
  });

  it('reverts when an eviction fails: uncordoned, back to active, and the failure on record', async () => {
    const { request, nodes, cluster, transactions, tasks, n1 } = setup();
    cluster.evictions.set('web-1', new Error('eviction of apps/web-1 failed: HTTP 500'));
    await request();
    await tasks.settled();

    expect(cluster.unschedulable.get('k-n1')).toBe(false);
    expect(nodes.stateOf(n1.id)).toBe('active');
    const [rejected] = transactions.ofType(DrainRejected);
    expect(rejected?.data).toMatchObject({ check: 'drain-failed', reason: 'drain of n1 failed: eviction of apps/web-1 failed: HTTP 500' });
    expect(transactions.ofType(SleepNode)).toHaveLength(0);
    expect(nodes.history.map((h) => `${h.kind}:${h.from}->${h.to}`)).toEqual(['transition:idle->draining', 'refused:draining->draining', 'transition:draining->active']);
  });

  it('reverts when a disruption budget refuses an eviction', async () => {
    const { request, nodes, cluster, transactions, tasks, n1 } = setup();
    cluster.evictions.set('web-1', { outcome: 'blocked', reason: 'eviction of apps/web-1 refused: Cannot evict pod as it would violate the pod\'s disruption budget.' });
    await request();
    await tasks.settled();
    expect(transactions.ofType(DrainRejected).map((e) => e.data.check)).toEqual(['disruption-budget']);
    expect(nodes.stateOf(n1.id)).toBe('active');
  });

  it('gives up once the drain timeout has passed on the clock, polling meanwhile, and reverts', async () => {
    const { request, nodes, cluster, transactions, tasks, clock, config, n1 } = setup();
    cluster.stuck = true;
    const started = clock.now();
    await request();
    await tasks.settled();

    expect(clock.now() - started).toBeGreaterThanOrEqual(config.drainTimeoutMs);
    expect(clock.sleeps.every((ms) => ms === config.pollIntervalMs)).toBe(true);
    const [rejected] = transactions.ofType(DrainRejected);
    expect(rejected?.data.check).toBe('drain-timeout');
    expect(rejected?.data.reason).toMatch(/^1 pod\(s\) still on k-n1 after 300 s: apps\/web-1/);
    expect(nodes.stateOf(n1.id)).toBe('active');
  });

  it('answers not-found for an unknown node and unavailable when Kubernetes does not answer', async () => {
    const { drain, request, cluster, nodes, n1 } = setup();
    expect(await drain.execute({ nodeId: '9d6f3c9e-0000-4000-8000-000000000000', reason: 'x', thenSleep: true, commandId: 'c', actor: 'user:alice' }, cause, inbox('c'))).toMatchObject({ ok: false, code: 'not-found' });
    cluster.unreachable = true;
    expect(await request()).toMatchObject({ ok: false, code: 'unavailable', reason: expect.stringContaining('cannot check n1 against Kubernetes') });
    expect(nodes.stateOf(n1.id)).toBe('idle');
  });

  it('answers a redelivered command as the first delivery went, without draining twice', async () => {
    const { request, tasks, transactions } = setup();
    await request('cmd-7');
    await tasks.settled();
    expect(await request('cmd-7')).toMatchObject({ ok: true });
    expect(tasks.names).toHaveLength(1);
    expect(transactions.ofType(DrainCompleted)).toHaveLength(1);
  });
});
