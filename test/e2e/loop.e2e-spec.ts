/**
 * The loop of issue 3 end to end, over the real services: inventory, lifecycle, two scheduler replicas,
 * power, audit and the API gateway, each its own host over NATS JetStream, PostgreSQL and Redis, acting on a
 * simulated fleet that answers real Wake-on-LAN packets, SSH sessions and Kubernetes API calls. Each test
 * uses its own nodes (see ROLE in support/loop-fleet.ts); all of them share one stack.
 */
import { randomUUID } from 'node:crypto';
import {
  DecisionMade,
  DrainCompleted,
  DrainNode,
  DrainRejected,
  NodeIdle,
  NodeSlept,
  NodeWakeFailed,
  NodeWaking,
  PowerActionRefused,
  SleepNode,
  SSH_COMMANDS,
  WakeNode,
} from '@somnus/contracts';
import type { AuditRecord, Calendar } from '@somnus/contracts';
import { SchedulerLeadership } from '@somnus/scheduler';
import { describeWithServices } from '@somnus/testing';
import { eventually, pause } from './support/eventually';
import { CALENDAR_LABEL, PacketLog, replicaPod, ROLE, SLOT_LABEL } from './support/loop-fleet';
import { LoopStack, MIN_AWAKE_MS, startLoopStack } from './support/loop-stack';
import { ApiError, NodeWithStatus, SomnusApi } from './support/somnus-api';

jest.setTimeout(60_000);

/** The next UTC minute boundary at least `leadMs` away, and its HH:MM. */
function nextMinute(leadMs: number): { at: number; hhmm: string } {
  const at = Math.ceil((Date.now() + leadMs) / 60_000) * 60_000;
  return { at, hhmm: new Date(at).toISOString().slice(11, 16) };
}

function dataOf<T>(record: AuditRecord): T {
  return record.data as T;
}

describeWithServices(['postgres', 'nats', 'redis'], 'the loop end to end (distributed stack on a simulated fleet)', () => {
  let stack: LoopStack;
  let api: SomnusApi;
  let packets: PacketLog;
  let nodesKnownAt: number;
  let window: { at: number; created: { status: number; body: Calendar } };

  const node = (name: string) => api.node(name);
  const stateOf = async (name: string) => (await node(name)).status?.state;
  const untilState = (name: string, state: string, timeoutMs = 30_000) =>
    eventually(`${name} to be ${state}`, async () => ((await stateOf(name)) === state ? true : undefined), timeoutMs);
  /** Ordinary drains need nodes older than the minimum age: wait until every catalogued node is. */
  const untilOldEnough = () => pause(nodesKnownAt + MIN_AWAKE_MS + 1_000 - Date.now());

  /**
   * A sleep the safety checks refuse: 409 with the check's reason at the API, DrainRejected with the same
   * reason in the audit trail (of exactly this request), and a refusal line in the node's history.
   */
  async function expectRefusedSleep(name: string, check: string): Promise<{ reason: string; node: NodeWithStatus }> {
    const correlationId = randomUUID();
    const answer = await api.sleep(name, correlationId);
    expect(answer.status).toBe(409);
    const { error } = answer.body as ApiError;
    expect(error.code).toBe('refused');
    expect(error.message).toContain(check);

    const target = await node(name);
    const refusals = await eventually(`DrainRejected for ${name} in the audit trail`, async () => {
      const records = (await api.audit({ nodeId: target.id, type: DrainRejected.type })).filter((r) => r.correlationId === correlationId);
      return records.length > 0 ? records : undefined;
    });
    // Only this check refused: the test isolates one reason at a time.
    expect(refusals.map((r) => dataOf<{ check: string }>(r).check)).toEqual([check]);
    const refusal = dataOf<{ nodeId: string; check: string; reason: string }>(refusals[0]);
    expect(refusal.nodeId).toBe(target.id);
    expect(refusals[0]).toMatchObject({ actor: 'e2e-operator', nodeId: target.id });
    expect(error.message).toContain(refusal.reason);

    const line = target.status!.history.find((h) => h.reason.startsWith(`drain refused (${check})`));
    expect(line).toBeDefined();
    expect(line!.reason).toContain(refusal.reason);
    expect(line!.actor).toBe('e2e-operator');
    // Refused means untouched: not cordoned, not asleep.
    expect(stack.fleet.cluster.getNode(name).spec.unschedulable).toBeFalsy();
    expect(stack.fleet.node(name).state).toBe('on');
    return { reason: refusal.reason, node: target };
  }

  beforeAll(async () => {
    stack = await startLoopStack({ speed: 200 });
    packets = new PacketLog(stack.fleet);
    api = await SomnusApi.connect(stack.url, stack.adminToken);
    await eventually(
      'lifecycle to know every node',
      async () => {
        for (const simulated of stack.fleet.nodes) if (!(await node(simulated.name)).status) return undefined;
        return true;
      },
      30_000,
    );
    nodesKnownAt = Date.now();
    // (f) The window opens at the next minute boundary; the tests before it run while it approaches.
    const start = nextMinute(25_000);
    const end = new Date(start.at + 30 * 60_000).toISOString().slice(11, 16);
    const created = await api.post<Calendar>('/api/v1/calendars', {
      name: 'e2e-office-hours',
      timeZone: 'UTC',
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
      start: start.hhmm,
      end,
      wakeAtStart: true,
      selector: { label: `${CALENDAR_LABEL}=office` },
    });
    window = { at: start.at, created };
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('starts from what it observes: the asleep machines sleeping, the others awake, one scheduler leading', async () => {
    for (const simulated of stack.fleet.nodes) {
      const status = (await node(simulated.name)).status!;
      if (simulated.state === 'off') expect(status).toMatchObject({ state: 'sleeping', powerState: 'off' });
      else expect(['ready', 'active']).toContain(status.state);
    }
    expect(stack.leaders()).toHaveLength(1);
  });

  it('(a) a pending pod wakes exactly the one sleeping node it fits, with the decision and its reason on record, and is bound once that node is Ready', async () => {
    const [large, small] = [await node(ROLE.slotLarge), await node(ROLE.slotSmall)];
    expect(large.status!.state).toBe('sleeping');
    expect(small.status!.state).toBe('sleeping');
    const mark = packets.mark();

    // Slot "a" is on two sleeping nodes; 12 cpu fits only the large one.
    stack.fleet.createPod(replicaPod('e2e-a-batch', { cpu: 12, nodeSelector: { [SLOT_LABEL]: 'a' } }));
    const boundTo = await eventually('the pod to be bound', async () => stack.fleet.cluster.getPod('default', 'e2e-a-batch').spec.nodeName, 30_000);
    expect(boundTo).toBe(ROLE.slotLarge);
    expect(stack.fleet.node(ROLE.slotLarge).state).toBe('on');

    // One burst of valid packets, for that node only; it started one boot.
    const sent = packets.since(mark);
    expect(sent.length).toBeGreaterThan(0);
    expect([...new Set(sent.map((p) => p.node))]).toEqual([ROLE.slotLarge]);
    expect(sent.length).toBeLessThanOrEqual(large.driver?.wol?.repeat ?? 3);
    expect(sent.filter((p) => p.startedBoot)).toHaveLength(1);

    const decisions = await eventually('the wake decision in the audit trail', async () => {
      const records = (await api.audit({ nodeId: large.id, type: DecisionMade.type })).filter((r) => dataOf<{ action: string }>(r).action === 'wake');
      return records.length > 0 ? records : undefined;
    });
    expect(decisions).toHaveLength(1);
    expect(decisions[0].actor).toBe('policy:somnus');
    expect(dataOf<{ reason: string; dryRun: boolean }>(decisions[0])).toMatchObject({ dryRun: false, reason: expect.stringMatching(/waiting work/) });
    const wakes = await api.audit({ nodeId: large.id, type: WakeNode.type });
    expect(wakes).toHaveLength(1);
    expect(wakes[0]).toMatchObject({ causationId: decisions[0].messageId, correlationId: decisions[0].correlationId });
    expect(await api.audit({ nodeId: large.id, type: NodeWaking.type })).toHaveLength(1);
    expect(await api.audit({ nodeId: small.id, type: WakeNode.type })).toHaveLength(0);

    // Lifecycle followed it to active (uncordoned once Ready), and says why.
    await untilState(ROLE.slotLarge, 'active');
    const moves = (await node(ROLE.slotLarge)).status!.history.map((h) => `${h.from}->${h.to}`);
    expect(moves).toEqual(expect.arrayContaining(['sleeping->waking', 'waking->ready', 'ready->active']));
    expect(stack.fleet.cluster.getNode(ROLE.slotLarge).spec.unschedulable).toBeFalsy();
  });

  it('(c) refuses to put a node to sleep that woke less than the minimum age ago', async () => {
    const { reason } = await expectRefusedSleep(ROLE.slotLarge, 'min-age');
    expect(reason).toContain('less than the minimum');
  });

  it('(b) drains a node on request: cordoned, its pods land on other nodes, and it sleeps', async () => {
    await untilOldEnough();
    stack.fleet.createPod(replicaPod('e2e-b-web-1', { node: ROLE.drained }));
    stack.fleet.createPod(replicaPod('e2e-b-web-2', { node: ROLE.drained }));
    const target = await node(ROLE.drained);
    const correlationId = randomUUID();

    const answer = await api.sleep(ROLE.drained, correlationId);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ nodeId: target.id, action: 'sleep', status: 'accepted' });

    await untilState(ROLE.drained, 'sleeping');
    expect(stack.fleet.node(ROLE.drained).state).toBe('off');
    expect(stack.fleet.machine(ROLE.drained).ssh.commands.map((c) => c.command)).toContain(SSH_COMMANDS.suspend);
    // The ReplicaSet's replacements run elsewhere.
    const moved = stack.fleet.cluster.listPods('default').filter((pod) => pod.metadata.generateName?.startsWith('e2e-b-web-'));
    expect(moved).toHaveLength(2);
    for (const pod of moved) expect(pod.spec.nodeName).toEqual(expect.any(String));
    for (const pod of moved) expect(pod.spec.nodeName).not.toBe(ROLE.drained);

    // The whole chain carries the operator's correlation: drain, sleep command, slept.
    const chain = await eventually('the drain and sleep in the audit trail', async () => {
      const records = await api.audit({ correlationId });
      return records.some((r) => r.type === NodeSlept.type) ? records : undefined;
    });
    expect(dataOf<{ evicted: number }>(chain.find((r) => r.type === DrainCompleted.type)!).evicted).toBe(2);
    expect(chain.find((r) => r.type === SleepNode.type)).toMatchObject({ actor: 'e2e-operator', nodeId: target.id });
    const history = (await node(ROLE.drained)).status!.history;
    expect(history[0]).toMatchObject({ from: 'draining', to: 'sleeping' });
    expect(history.some((h) => h.to === 'draining' && h.actor === 'e2e-operator')).toBe(true);
  });

  it('(b) on its own: a node quiet for the grace period goes idle, the scheduler decides to sleep it, lifecycle drains it and power suspends it', async () => {
    const target = await node(ROLE.idle);
    await untilState(ROLE.idle, 'sleeping', 45_000);
    expect(stack.fleet.node(ROLE.idle).state).toBe('off');
    const records = await eventually('the automatic chain in the audit trail', async () => {
      const found = await api.audit({ nodeId: target.id });
      return found.some((r) => r.type === NodeSlept.type) ? found.reverse() : undefined; // oldest first
    });
    const idle = records.find((r) => r.type === NodeIdle.type);
    expect(idle).toMatchObject({ actor: 'system:lifecycle' });
    const decision = records.find((r) => r.type === DecisionMade.type && dataOf<{ action: string }>(r).action === 'sleep');
    expect(decision).toMatchObject({ actor: 'policy:somnus' });
    expect(dataOf<{ reason: string }>(decision!).reason).toContain('idle');
    // The drain that went through is the one the decision caused, and the sleep followed it.
    const completed = records.find((r) => r.type === DrainCompleted.type)!;
    const drain = records.find((r) => r.type === DrainNode.type && r.correlationId === completed.correlationId);
    expect(drain).toMatchObject({ actor: 'policy:somnus' });
    const slept = records.find((r) => r.type === NodeSlept.type)!;
    expect(slept.correlationId).toBe(completed.correlationId);
    expect(records.indexOf(idle!)).toBeLessThan(records.indexOf(completed));
    expect(records.indexOf(completed)).toBeLessThan(records.indexOf(slept));
    // Nodes with a logged-in operator were never idle, so never proposed.
    expect(await api.audit({ nodeId: (await node(ROLE.spareA)).id, type: NodeIdle.type })).toHaveLength(0);
  });

  it('(c) refuses the critical tier', async () => {
    await untilOldEnough();
    const { reason } = await expectRefusedSleep(ROLE.critical, 'critical-tier');
    expect(reason).toContain('never sleeps');
  });

  it('(c) refuses a node whose pods a PodDisruptionBudget allows no disruption', async () => {
    await untilOldEnough();
    stack.fleet.createPod(replicaPod('e2e-c-db', { node: ROLE.budget, labels: { app: 'e2e-c-db' } }));
    stack.fleet.cluster.createDisruptionBudget({ metadata: { name: 'e2e-c-db', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'e2e-c-db' } }, minAvailable: 1 } });
    const { reason } = await expectRefusedSleep(ROLE.budget, 'disruption-budget');
    expect(reason).toContain('PodDisruptionBudget default/e2e-c-db');
    expect(stack.fleet.cluster.getPod('default', 'e2e-c-db').spec.nodeName).toBe(ROLE.budget);
  });

  it('(c) refuses when the awake fleet would fall below the headroom', async () => {
    await untilOldEnough();
    // Demand no node can hold (its slot exists nowhere), so nothing is woken for it and it only weighs.
    const huge = replicaPod('e2e-c-huge', { cpu: 500, nodeSelector: { [SLOT_LABEL]: 'nowhere' } });
    huge.metadata.ownerReferences = []; // bare: deleting it afterwards brings no replacement
    stack.fleet.createPod(huge);
    try {
      const { reason } = await expectRefusedSleep(ROLE.headroom, 'headroom');
      expect(reason).toMatch(/below the required/);
    } finally {
      stack.fleet.cluster.deletePod('default', 'e2e-c-huge');
    }
  });

  it('(d) a wake that never verifies ends unhealthy after its retries, never left waking', async () => {
    stack.fleet.setNeverBoots(ROLE.neverBoots);
    const target = await node(ROLE.neverBoots);
    const mark = packets.mark();
    const answer = await api.wake(ROLE.neverBoots);
    expect(answer.status).toBe(202);

    await untilState(ROLE.neverBoots, 'unhealthy', 40_000);
    const failed = await eventually('NodeWakeFailed in the audit trail', async () => {
      const records = await api.audit({ nodeId: target.id, type: NodeWakeFailed.type });
      return records.length > 0 ? records : undefined;
    });
    expect(failed).toHaveLength(1);
    expect(dataOf<{ reason: string }>(failed[0]).reason.length).toBeGreaterThan(0);
    // Two attempts (SOMNUS_WAKE_ATTEMPTS), each a burst the card saw without booting.
    expect(await api.audit({ nodeId: target.id, type: NodeWaking.type })).toHaveLength(2);
    const seen = packets.since(mark).filter((p) => p.node === ROLE.neverBoots);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.every((p) => !p.startedBoot)).toBe(true);
    expect(stack.fleet.node(ROLE.neverBoots).state).toBe('off');
    const history = (await node(ROLE.neverBoots)).status!.history;
    expect(history[0]).toMatchObject({ from: 'waking', to: 'unhealthy' });
  });

  it('(e) a changed SSH host key is refused and recorded, and the node is not suspended', async () => {
    await untilOldEnough();
    const target = await node(ROLE.hostKey);
    const pinned = target.ssh?.hostKeySha256;
    const rotated = await stack.fleet.rotateHostKey(ROLE.hostKey);
    expect(rotated).not.toBe(pinned);

    const answer = await api.sleep(ROLE.hostKey);
    // The drain is lifecycle's and goes through; the suspend is power's, and power refuses it.
    expect({ status: answer.status, body: answer.body }).toMatchObject({ status: 202 });

    const refused = await eventually('PowerActionRefused in the audit trail', async () => {
      const records = await api.audit({ nodeId: target.id, type: PowerActionRefused.type });
      return records.length > 0 ? records : undefined;
    });
    const data = dataOf<{ action: string; reason: string }>(refused[0]);
    expect(data.action).toBe('sleep');
    expect(data.reason).toMatch(/host key/i);
    expect(stack.fleet.node(ROLE.hostKey).state).toBe('on');
    expect(stack.fleet.machine(ROLE.hostKey).ssh.commands.map((c) => c.command)).not.toContain(SSH_COMMANDS.suspend);
    expect(await api.audit({ nodeId: target.id, type: NodeSlept.type })).toHaveLength(0);
  });

  // Lifecycle follows power's refusal (fixed in ad8af53: the node used to stay draining and cordoned).
  it('(e) the node whose sleep power refused goes back into service: active, uncordoned, the refusal in its history', async () => {
    await untilState(ROLE.hostKey, 'active', 10_000);
    expect(stack.fleet.cluster.getNode(ROLE.hostKey).spec.unschedulable).toBeFalsy();
    const history = (await node(ROLE.hostKey)).status!.history;
    expect(history[0]).toMatchObject({ from: 'draining', to: 'active', reason: expect.stringMatching(/host key/i) });
  });

  it('(f) a calendar window created through the API wakes its selected sleeping node at its start', async () => {
    expect(window.created.status).toBe(201);
    expect(window.created.body.spec).toMatchObject({ name: 'e2e-office-hours', wakeAtStart: true });
    const listed = await api.get<{ items: Calendar[] }>('/api/v1/calendars');
    expect(listed.body.items.map((c) => c.id)).toContain(window.created.body.id);
    const target = await node(ROLE.calendar);

    const first = await eventually('a magic packet for the calendar node', async () => packets.to(ROLE.calendar)[0], window.at - Date.now() + 30_000);
    expect(first.at.epochMs).toBeGreaterThanOrEqual(window.at);
    expect(first.startedBoot).toBe(true);
    const decisions = (await api.audit({ nodeId: target.id, type: DecisionMade.type })).filter((r) => dataOf<{ action: string }>(r).action === 'wake');
    expect(decisions).toHaveLength(1);
    expect(Date.parse(decisions[0].time)).toBeGreaterThanOrEqual(window.at);
    expect(dataOf<{ reason: string }>(decisions[0]).reason).toContain('e2e-office-hours');
    // Awake, and kept so: once it is found idle, the open window holds it (the policy says so).
    await eventually('the calendar node to be up', async () => (['active', 'idle'].includes((await stateOf(ROLE.calendar)) ?? '') ? true : undefined), 30_000);
    const hold = await eventually('a hold for the calendar window', async () =>
      (await api.audit({ nodeId: target.id, type: DecisionMade.type })).find((r) => dataOf<{ action: string }>(r).action === 'hold'),
    );
    expect(dataOf<{ reason: string }>(hold).reason).toContain('calendar window "e2e-office-hours" holds');
    expect(stack.fleet.node(ROLE.calendar).state).toBe('on');
    // The window selects by label: no other sleeping node was woken by it.
    expect(packets.to(ROLE.bystander)).toHaveLength(0);
  }, 120_000);

  it('(g) when the leading scheduler dies, the other replica takes over and carries on waking nodes for pending pods', async () => {
    const [leader] = stack.leaders();
    expect(leader).toBeDefined();
    const follower = stack.schedulers.find((replica) => replica !== leader)!;
    await stack.stopScheduler(leader);
    await eventually('the other replica to lead', async () => follower.app.get(SchedulerLeadership, { strict: false }).isLeader() || undefined, 20_000);

    const target = await node(ROLE.failover);
    expect(target.status!.state).toBe('sleeping');
    const mark = packets.mark();
    stack.fleet.createPod(replicaPod('e2e-g-batch', { cpu: 12, nodeSelector: { [SLOT_LABEL]: 'g' } }));
    const boundTo = await eventually('the pod to be bound', async () => stack.fleet.cluster.getPod('default', 'e2e-g-batch').spec.nodeName, 30_000);
    expect(boundTo).toBe(ROLE.failover);
    expect([...new Set(packets.since(mark).map((p) => p.node))]).toEqual([ROLE.failover]);
    const decisions = await eventually('the new leader\'s wake decision in the audit trail', async () => {
      const records = (await api.audit({ nodeId: target.id, type: DecisionMade.type })).filter((r) => dataOf<{ action: string }>(r).action === 'wake');
      return records.length > 0 ? records : undefined;
    });
    expect(decisions).toHaveLength(1);
    // Nothing woke the nodes no test asked for.
    expect(packets.to(ROLE.bystander)).toHaveLength(0);
    expect(packets.to(ROLE.slotSmall)).toHaveLength(0);
  });
});
