// The lifecycle service hosted with inventory on a simulated fleet that speaks real Kubernetes and SSH:
// drains that go through (cordon, evict, pods rescheduled elsewhere, sleep asked for), drains each safety
// check refuses (recorded in the node's history), idle detection, and the same drain on real NATS + Postgres.
import { createEnvelope, GetNodeState, MessageDefinition, newMessageId, NodeSlept, NodeWaking, NodeWoke, ReplyOf } from '@somnus/contracts';
import { MemoryBus, removeJetStreamNamespace } from '@somnus/bus';
import { createTestDatabase, describeWithServices, realServices, TestDatabase, uniqueName } from '@somnus/testing';
import { replicaPod, Scenario, startScenario, until } from './testing/lifecycle-scenario';

jest.setTimeout(90_000);

async function history(scenario: Scenario, nodeId: string): Promise<ReplyOf<typeof GetNodeState>> {
  const envelope = createEnvelope(GetNodeState.type, { nodeId, historyLimit: 50 }, { source: 'test', cause: { actor: 'user:test', correlationId: newMessageId() }, time: new Date() });
  return scenario.bus.request(GetNodeState, envelope, 5_000);
}

function podsOn(scenario: Scenario, node: string): string[] {
  return scenario.fleet.cluster.podsOnNode(node).filter((pod) => pod.metadata.namespace === 'default').map((pod) => pod.metadata.name);
}

/** (b): a node with movable pods is cordoned, emptied onto other nodes, and sleep is asked for. */
async function drainGoesThrough(scenario: Scenario, target: string): Promise<void> {
  scenario.fleet.createPod(replicaPod(`web-${target}-1`, target));
  scenario.fleet.createPod(replicaPod(`web-${target}-2`, target));
  const { outcome, correlationId, nodeId } = await scenario.drain(target);
  expect(outcome).toEqual({ ok: true, result: { nodeId, accepted: true } });

  const completed = await until('DrainCompleted', () => scenario.seen.completed.find((e) => e.data.nodeId === nodeId));
  expect(completed.data.evicted).toBe(2);
  expect(completed.correlationId).toBe(correlationId);
  const sleep = await until('SleepNode command', () => scenario.seen.sleep.find((e) => e.data.nodeId === nodeId));
  expect(sleep).toMatchObject({ actor: 'user:alice', correlationId });

  expect(scenario.fleet.cluster.getNode(target).spec.unschedulable).toBe(true);
  expect(podsOn(scenario, target)).toEqual([]);
  // The simulator's controllers recreated both pods and its binder placed them on other nodes.
  const elsewhere = scenario.fleet.cluster.listPods('default').filter((pod) => pod.metadata.generateName?.startsWith(`web-${target}-`));
  expect(elsewhere).toHaveLength(2);
  for (const pod of elsewhere) expect(pod.spec.nodeName && pod.spec.nodeName !== target).toBeTruthy();

  const state = await history(scenario, nodeId);
  expect(state.state).toMatchObject({ state: 'draining', lastTransition: { to: 'draining', actor: 'user:alice' } });
}

describe('lifecycle on the simulated fleet (all-in-one, embedded Postgres, in-memory bus)', () => {
  let scenario: Scenario;
  let awake: string[];
  let critical: string;

  beforeAll(async () => {
    scenario = await startScenario({ SOMNUS_MODE: 'all-in-one' }, { bus: new MemoryBus() });
    critical = scenario.fleet.nodes.find((n) => n.tier === 'critical')!.name;
    awake = scenario.fleet.nodes.filter((n) => n.tier !== 'critical' && n.state === 'on').map((n) => n.name);
    await until('every node to have a state', async () => (await scenario.states()).length === scenario.fleet.nodes.length);
  });

  afterAll(async () => {
    await scenario?.close();
  });

  it('starts each node from what it observes: Ready nodes ready or active, the asleep one sleeping', async () => {
    const states = await scenario.states();
    const asleep = scenario.fleet.nodes.find((n) => n.state !== 'on')!.name;
    expect(states.find((s) => s.name === asleep)).toMatchObject({ state: 'sleeping', powerState: 'off', lastTransition: { from: null, to: 'sleeping' } });
    for (const name of awake) expect(['ready', 'active', 'idle']).toContain(states.find((s) => s.name === name)!.state);
  });

  it('(c) refuses a node younger than the minimum age', async () => {
    const { outcome, nodeId } = await scenario.drain(awake[0]);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining('min-age') });
    const event = await until('DrainRejected min-age', () => scenario.seen.rejected.find((e) => e.data.nodeId === nodeId && e.data.check === 'min-age'));
    expect(event.actor).toBe('user:alice');
    expect((await history(scenario, nodeId)).history.some((h) => h.reason.startsWith('drain refused (min-age)'))).toBe(true);
    scenario.advance(2 * 60_000);
  });

  it('(c) refuses the critical tier', async () => {
    const { outcome, nodeId } = await scenario.drain(critical);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining('critical-tier') });
    await until('DrainRejected critical-tier', () => scenario.seen.rejected.find((e) => e.data.nodeId === nodeId && e.data.check === 'critical-tier'));
    expect((await history(scenario, nodeId)).history.some((h) => h.reason.startsWith('drain refused (critical-tier)'))).toBe(true);
  });

  it('(c) refuses a node running a pod annotated somnus.io/do-not-sleep', async () => {
    const target = awake[1];
    scenario.fleet.createPod(replicaPod('pinned-1', target, { annotations: { 'somnus.io/do-not-sleep': 'true' } }));
    const { outcome, nodeId } = await scenario.drain(target);
    expect(outcome).toMatchObject({ ok: false, code: 'refused' });
    const event = await until('DrainRejected unmovable-workload', () => scenario.seen.rejected.find((e) => e.data.nodeId === nodeId && e.data.check === 'unmovable-workload'));
    expect(event.data.reason).toContain('somnus.io/do-not-sleep');
    expect(scenario.fleet.cluster.getNode(target).spec.unschedulable).toBeFalsy();
  });

  it('(c) refuses when a PodDisruptionBudget allows no disruption', async () => {
    const target = awake[2];
    scenario.fleet.createPod(replicaPod('db-1', target, { labels: { app: 'db' } }));
    scenario.fleet.cluster.createDisruptionBudget({ metadata: { name: 'db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'db' } }, minAvailable: 1 } });
    const { outcome, nodeId } = await scenario.drain(target);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining('disruption-budget') });
    await until('DrainRejected disruption-budget', () => scenario.seen.rejected.find((e) => e.data.nodeId === nodeId && e.data.check === 'disruption-budget'));
    expect((await history(scenario, nodeId)).history.some((h) => h.reason.includes('PodDisruptionBudget default/db'))).toBe(true);
  });

  it('(c) refuses when the awake fleet would fall below the headroom', async () => {
    // A pending pod nobody can hold: demand now exceeds what stays awake.
    const huge = replicaPod('huge-1', undefined, { cpu: '500' });
    huge.metadata.ownerReferences = []; // bare, so deleting it afterwards brings no replacement
    scenario.fleet.createPod(huge);
    const { outcome, nodeId } = await scenario.drain(awake[3]);
    expect(outcome).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining('headroom') });
    await until('DrainRejected headroom', () => scenario.seen.rejected.find((e) => e.data.nodeId === nodeId && e.data.check === 'headroom'));
    scenario.fleet.cluster.deletePod('default', 'huge-1');
  });

  it('(b) drains a node: cordoned, pods evicted and rescheduled elsewhere, DrainCompleted, SleepNode; then sleeping on NodeSlept', async () => {
    const target = awake[3];
    await drainGoesThrough(scenario, target);
    const nodeId = await scenario.nodeId(target);
    const slept = createEnvelope(NodeSlept.type, { nodeId, driver: 'ssh' }, { source: 'test', cause: { actor: 'user:alice', correlationId: newMessageId() }, time: new Date() });
    await scenario.bus.publish(NodeSlept, slept);
    await until('sleeping', async () => (await history(scenario, nodeId)).state?.state === 'sleeping');
    expect((await history(scenario, nodeId)).state).toMatchObject({ powerState: 'off', lastTransition: { from: 'draining', to: 'sleeping' } });
  });

  it('follows a wake: waking, ready, then uncordoned and active once Kubernetes reports Ready', async () => {
    const target = awake[3]; // asleep after the drain above, still cordoned
    const nodeId = await scenario.nodeId(target);
    const publish = (definition: MessageDefinition, data: object) =>
      scenario.bus.publish(definition, createEnvelope(definition.type, data, { source: 'test', cause: { actor: 'policy:somnus', correlationId: newMessageId() }, time: new Date() }));
    await publish(NodeWaking, { nodeId, driver: 'wol', attempt: 1 });
    await until('waking', async () => (await history(scenario, nodeId)).state?.state === 'waking');
    await publish(NodeWoke, { nodeId, driver: 'wol', verifiedBy: ['tcp', 'ssh'], seconds: 3 });
    await until('active', async () => (await history(scenario, nodeId)).state?.state === 'active');
    expect(scenario.fleet.cluster.getNode(target).spec.unschedulable).toBe(false);
    const moves = (await history(scenario, nodeId)).history.map((h) => `${h.from}->${h.to}`);
    expect(moves.slice(0, 3)).toEqual(['ready->active', 'waking->ready', 'sleeping->waking']);
  });

  it('an event that asks for an invalid move is rejected and recorded, never applied', async () => {
    const nodeId = await scenario.nodeId(critical);
    const before = (await history(scenario, nodeId)).state!.state;
    const slept = createEnvelope(NodeSlept.type, { nodeId, driver: 'ssh' }, { source: 'test', cause: { actor: 'policy:somnus', correlationId: newMessageId() }, time: new Date() });
    await scenario.bus.publish(NodeSlept, slept);
    await until('the rejection in the history', async () => (await history(scenario, nodeId)).history.find((h) => h.reason.includes(`transition ${before} -> sleeping rejected`)));
    expect((await history(scenario, nodeId)).state!.state).toBe(before);
  });

  it('automation may not drain a node that is not idle: refused by the lifecycle table', async () => {
    const target = awake[2]; // runs db-1, so active
    const { outcome } = await scenario.drain(target, 'policy:somnus');
    expect(outcome).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining('lifecycle-state') });
  });

  it('idle detection: an empty node goes idle after the grace period and NodeIdle is published', async () => {
    const empty = awake[4];
    const nodeId = await scenario.nodeId(empty);
    const idle = await until('NodeIdle', () => scenario.seen.idle.find((e) => e.data.nodeId === nodeId));
    expect(idle.actor).toBe('system:lifecycle');
    expect(idle.data.activity.movableWorkloads).toBe(0);
    expect((await history(scenario, nodeId)).state?.state).toBe('idle');
    // A node running work never goes idle.
    const busy = await scenario.nodeId(awake[2]);
    expect(scenario.seen.idle.some((e) => e.data.nodeId === busy)).toBe(false);
  });
});

describe('lifecycle after a restart (all-in-one, embedded Postgres)', () => {
  let scenario: Scenario;

  afterAll(async () => {
    await scenario?.close();
  });

  it('observes every known node again: one found off is unhealthy, one found awake is ready, with the reason', async () => {
    scenario = await startScenario({ SOMNUS_MODE: 'all-in-one' }, { nodes: 4, speed: 200 });
    await until('every node to have a state', async () => (await scenario.states()).length === 4);
    const states = await scenario.states();
    const wentDown = states.find((s) => s.state === 'ready' || s.state === 'active')!;
    const cameUp = states.find((s) => s.state === 'sleeping')!;

    // While Somnus is down, someone powers one machine off and another on.
    await scenario.restart(async () => {
      await scenario.fleet.setNodeAsleep(wentDown.name);
      scenario.fleet.machine(cameUp.name).wake();
      await until(`${cameUp.name} to boot`, () => scenario.fleet.node(cameUp.name).state === 'on');
    });
    const after = await until('both nodes reconciled', async () => {
      const now = await scenario.states();
      const down = now.find((s) => s.nodeId === wentDown.nodeId)!;
      const up = now.find((s) => s.nodeId === cameUp.nodeId)!;
      return down.state === 'unhealthy' && up.state === 'ready' ? { down, up } : undefined;
    });
    expect(after.down.lastTransition).toMatchObject({ from: wentDown.state, to: 'unhealthy', reason: expect.stringContaining('found powered off at start') });
    expect(after.down.powerState).toBe('off');
    expect(after.up.lastTransition).toMatchObject({ from: 'sleeping', to: 'ready', reason: expect.stringContaining('found awake at start') });
  }, 90_000);
});

describeWithServices(['postgres', 'nats'], 'lifecycle drain on real NATS JetStream and PostgreSQL (distributed)', () => {
  let scenario: Scenario;
  let database: TestDatabase;
  const namespace = uniqueName('lc');

  beforeAll(async () => {
    database = await createTestDatabase('somnus_t_lifecycle');
    scenario = await startScenario(
      { SOMNUS_MODE: 'distributed', DATABASE_URL: database.url, NATS_URL: realServices.natsUrl, SOMNUS_BUS_NAMESPACE: namespace, REDIS_URL: realServices.redisUrl },
      { nodes: 6 },
    );
    await until('every node to have a state', async () => (await scenario.states()).length === scenario.fleet.nodes.length);
    scenario.advance(2 * 60_000);
  });

  afterAll(async () => {
    await scenario?.close();
    await removeJetStreamNamespace(realServices.natsUrl, namespace);
    await database?.drop();
  });

  it('(b) drains a node with movable pods and asks for sleep', async () => {
    const target = scenario.fleet.nodes.find((n) => n.tier !== 'critical' && n.state === 'on')!.name;
    await drainGoesThrough(scenario, target);
  });
});
