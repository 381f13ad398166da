import type { V1Pod } from '@kubernetes/client-node';
import { DecisionMade, DrainNode, WakeNode } from '@somnus/contracts';
import { catalogueNode, FakeClock, FakeTransactions } from '@somnus/testing';
import { FakeCalendars, FakeDecisionRecords, FakeDemandSource, FakeFleetProjection, FakeLeaseFence, FakePolicy } from '../testing/fakes';
import { type AppliedDecision, DecisionLoop, POLICY_ACTOR } from './decision-loop';

const HOLDER = 'replica-a';

function setup(options: { dryRun?: boolean; leaseHolder?: string } = {}) {
  const clock = new FakeClock();
  const policy = new FakePolicy();
  const demand = new FakeDemandSource();
  const n1 = catalogueNode('n1');
  const n2 = catalogueNode('n2');
  const fleet = new FakeFleetProjection([
    { node: n1, state: 'sleeping', stateAt: clock.now() - 60_000 },
    { node: n2, state: 'idle', stateAt: clock.now() - 60_000, idleSince: clock.now() - 60_000 },
  ]);
  const decisions = new FakeDecisionRecords();
  const fence = new FakeLeaseFence('leaseHolder' in options ? options.leaseHolder : HOLDER);
  const transactions = new FakeTransactions('somnus/scheduler', () => clock.now());
  const loop = new DecisionLoop({
    policy,
    demand,
    fleet,
    calendars: new FakeCalendars(),
    decisions,
    fence,
    transactions,
    clock,
    config: { tickMs: 3_600_000, wakeInFlightMs: 120_000, sleepInFlightMs: 120_000, sleepRetryMs: 300_000, wakeRetryMs: 60_000 },
    dryRun: options.dryRun ?? false,
  });
  const applied: AppliedDecision[][] = [];
  loop.onDecisions((batch) => applied.push(batch));
  return { clock, policy, demand, fleet, decisions, fence, transactions, loop, applied, n1, n2 };
}

/** Becomes leader and lets the decision it asks for at once run to its end. */
async function elect(loop: DecisionLoop): Promise<void> {
  await loop.start(HOLDER);
  await loop.settled();
}

const pending = (name: string, createdAt: string): V1Pod => ({
  metadata: { name, namespace: 'batch', uid: name, creationTimestamp: new Date(createdAt) },
  spec: { containers: [{ name: 'main', resources: { requests: { cpu: '2', memory: '1Gi' } } }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
});

describe('DecisionLoop', () => {
  let loops: DecisionLoop[] = [];
  afterEach(async () => {
    for (const loop of loops) await loop.stop();
    loops = [];
  });
  const track = <T extends { loop: DecisionLoop }>(world: T): T => {
    loops.push(world.loop);
    return world;
  };

  it('decides nothing unless it leads: a request before election or after losing the lease asks no policy', async () => {
    const { loop, policy, transactions, demand, n1 } = track(setup());
    policy.answer = [{ action: 'wake', nodeId: n1.id, code: 'headroom', reason: 'keep room' }];
    loop.requestDecision({ why: 'tick' });
    await loop.settled();
    expect(policy.inputs).toHaveLength(0);
    expect(transactions.published).toHaveLength(0);

    await elect(loop);
    expect(policy.inputs).toHaveLength(1);
    expect(transactions.ofType(WakeNode)).toHaveLength(1);
    await loop.stop();
    expect(demand.stops).toBe(1);
    loop.requestDecision({ why: 'tick' });
    await loop.settled();
    expect(policy.inputs).toHaveLength(1);
  });

  it('publishes a wake with its reason, records it, and sends wake-node caused by the decision', async () => {
    const { loop, policy, transactions, decisions, applied, n1, clock } = track(setup());
    policy.answer = [{ action: 'wake', nodeId: n1.id, code: 'unschedulable-work', reason: '1 pod fits nowhere awake; n1 fits it' }];
    await elect(loop);

    const [made] = transactions.ofType(DecisionMade);
    expect(made?.data).toEqual({ action: 'wake', nodeId: n1.id, reason: '1 pod fits nowhere awake; n1 fits it', code: 'unschedulable-work', policy: 'somnus-test', dryRun: false });
    expect(made?.actor).toBe(POLICY_ACTOR);
    expect(made?.subject).toBe(n1.id);
    const [wake] = transactions.ofType(WakeNode);
    expect(wake?.data).toEqual({ nodeId: n1.id, reason: '1 pod fits nowhere awake; n1 fits it' });
    expect(wake?.causationId).toBe(made?.id);
    expect(wake?.correlationId).toBe(made?.correlationId);
    expect(decisions.recorded).toEqual([
      expect.objectContaining({ id: made?.id, action: 'wake', nodeId: n1.id, nodeName: 'n1', code: 'unschedulable-work', reason: '1 pod fits nowhere awake; n1 fits it', at: clock.date(), dryRun: false }),
    ]);
    expect(applied).toEqual([[expect.objectContaining({ nodeId: n1.id, command: 'wake-node', nodeName: 'n1' })]]);
  });

  it('turns a sleep decision into drain-node then sleep, and carries a message cause on', async () => {
    const { loop, policy, transactions, n2 } = track(setup());
    await elect(loop);
    policy.answer = [{ action: 'sleep', nodeId: n2.id, code: 'idle-past-threshold', reason: 'idle for 20 min' }];
    loop.requestDecision({ why: 'node-idle', cause: { correlationId: 'corr-1', causationId: 'idle-event-1' } });
    await loop.settled();

    const [made] = transactions.ofType(DecisionMade);
    expect(made?.correlationId).toBe('corr-1');
    expect(made?.causationId).toBe('idle-event-1');
    const [drain] = transactions.ofType(DrainNode);
    expect(drain?.data).toEqual({ nodeId: n2.id, reason: 'idle for 20 min', thenSleep: true });
    expect(drain?.causationId).toBe(made?.id);
  });

  it('in a dry run publishes the decision but sends no command', async () => {
    const { loop, policy, transactions, n1 } = track(setup({ dryRun: true }));
    policy.answer = [{ action: 'wake', nodeId: n1.id, code: 'headroom', reason: 'keep one node of room' }];
    await elect(loop);
    expect(transactions.ofType(DecisionMade).map((e) => e.data.dryRun)).toEqual([true]);
    expect(transactions.ofType(WakeNode)).toHaveLength(0);
  });

  it('publishes nothing when the lease is lost while it decides (the fence, not its own belief, decides)', async () => {
    const { loop, policy, transactions, decisions, fence, applied, n1 } = track(setup());
    policy.answer = [{ action: 'wake', nodeId: n1.id, code: 'headroom', reason: 'keep room' }];
    policy.whileDeciding = () => (fence.holder = 'replica-b');
    await elect(loop);

    expect(policy.inputs).toHaveLength(1);
    expect(fence.checks).toBe(1);
    expect(transactions.published).toHaveLength(0);
    expect(decisions.recorded).toHaveLength(0);
    expect(applied).toHaveLength(0);
    // Still believing it leads, it asks again next time: and the fence stops it again.
    loop.requestDecision({ why: 'tick' });
    await loop.settled();
    expect(transactions.published).toHaveLength(0);
  });

  it('does not ask twice for a wake in flight, nor record a standing hold again', async () => {
    const { loop, policy, transactions, n1, n2 } = track(setup());
    policy.answer = [
      { action: 'wake', nodeId: n1.id, code: 'headroom', reason: 'keep room' },
      { action: 'hold', nodeId: n2.id, code: 'gap-shorter-than-break-even', reason: 'work due in 2 min' },
    ];
    await elect(loop);
    loop.requestDecision({ why: 'tick' });
    await loop.settled();
    expect(policy.inputs).toHaveLength(2);
    expect(transactions.ofType(DecisionMade).map((e) => e.data.action)).toEqual(['wake', 'hold']);
    expect(transactions.ofType(WakeNode)).toHaveLength(1);
  });

  it('leaves a node alone while power’s refusal to wake it is recent, and asks again after the retry period', async () => {
    const { loop, policy, transactions, fleet, n1, clock } = track(setup());
    fleet.nodes[0] = { node: n1, state: 'sleeping', wakeRefusedAt: clock.now() - 1_000 };
    policy.answer = [{ action: 'wake', nodeId: n1.id, code: 'headroom', reason: 'keep room' }];
    await elect(loop);
    expect(transactions.published).toHaveLength(0);

    clock.advance(60_000);
    loop.requestDecision({ why: 'tick' });
    await loop.settled();
    expect(transactions.ofType(WakeNode)).toHaveLength(1);
  });

  it('gives the policy the unschedulable pods the demand source sees, oldest first, and decides when one appears', async () => {
    const { loop, policy, demand } = track(setup());
    demand.cluster = { pods: [pending('late', '2025-03-03T07:59:00Z'), pending('early', '2025-03-03T07:58:00Z')], nodes: [] };
    await elect(loop);
    expect(policy.inputs[0]?.demand.pending.map((w) => w.id)).toEqual(['early', 'late']);

    demand.listener?.onUnschedulable(pending('new', '2025-03-03T08:00:00Z'));
    await loop.settled();
    expect(policy.inputs).toHaveLength(2);
  });

  it('without a cluster decides from the projection alone', async () => {
    const { loop, policy } = track(setup());
    await elect(loop);
    expect(policy.inputs[0]?.demand).toEqual({ pending: [], running: [] });
    expect(policy.inputs[0]?.fleet.map((n) => n.name).sort()).toEqual(['n1', 'n2']);
  });

  it('survives a failing decision and decides again at the next request', async () => {
    const { loop, policy, fleet, transactions, n1 } = track(setup());
    const list = fleet.list.bind(fleet);
    let broken = true;
    fleet.list = async () => {
      if (broken) throw new Error('projection unreadable');
      return list();
    };
    policy.answer = [{ action: 'wake', nodeId: n1.id, code: 'headroom', reason: 'keep room' }];
    await elect(loop);
    expect(transactions.published).toHaveLength(0);
    broken = false;
    loop.requestDecision({ why: 'tick' });
    await loop.settled();
    expect(transactions.ofType(WakeNode)).toHaveLength(1);
  });
});
