// The scheduler hosted with inventory (and power) as the all-in-one hosts them, against the simulated fleet:
// a pod the simulated kube-scheduler marks Unschedulable wakes one fitting sleeping node; a calendar window
// with wakeAtStart wakes its sleeping nodes when it opens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateCalendar,
  DecisionMade,
  DrainNode,
  ListCalendars,
  ListDecisions,
  NodeTransitioned,
  Payload,
  WakeNode,
} from '@somnus/contracts';
import { MemoryBus } from '@somnus/bus';
import { Host, loadRuntimeConfig, startHost, systemClock } from '@somnus/runtime';
import { inventoryService } from '@somnus/inventory';
import { createPowerService, NodeDirectory } from '@somnus/power';
import { createSchedulerService } from './scheduler.module';
import { SchedulerLeadership } from './leadership/scheduler-leadership';
import { catalogue, FleetWorld, message, waitFor } from '@somnus/testing';
import { BusRecorder } from './testing/bus-recorder';

jest.setTimeout(90_000);

const FAST_POWER_ENV: NodeJS.ProcessEnv = {
  SOMNUS_WAKE_ATTEMPTS: '2',
  SOMNUS_WAKE_TIMEOUT_MS: '10000',
  SOMNUS_VERIFY_POLL_MS: '100',
  SOMNUS_WOL_INTERVAL_MS: '20',
  SOMNUS_ENERGY_SAMPLE_MS: '0',
};

describe('scheduler over the simulated fleet (all-in-one, in-memory bus)', () => {
  let world: FleetWorld;
  let host: Host;
  let bus: MemoryBus;
  let recorder: BusRecorder;
  let dataDir: string;

  beforeAll(async () => {
    world = await FleetWorld.start({ nodes: 6, asleep: 2 });
    dataDir = mkdtempSync(join(tmpdir(), 'somnus-scheduler-data-'));
    bus = new MemoryBus();
    recorder = await BusRecorder.attach(bus, 'test-scheduler-recorder');
    const config = loadRuntimeConfig({ ...world.runtimeEnv, SOMNUS_MODE: 'all-in-one', SOMNUS_DATA_DIR: dataDir });
    host = await startHost({ descriptors: [inventoryService, createSchedulerService({ env: {} }), createPowerService(FAST_POWER_ENV)], config, bus, logger: false });
    const leadership = host.app.get(SchedulerLeadership, { strict: false });
    await waitFor('the scheduler to lead', () => leadership.isLeader(), 10_000);
    const directory = host.app.get(NodeDirectory, { strict: false });
    await waitFor('the power service to know every node', () => directory.size === world.fleet.nodes.length, 15_000);
  });

  afterAll(async () => {
    await host?.close();
    await world?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('(a) wakes exactly one fitting sleeping node for a pod that fits nowhere awake, with the reason on record, and the pod is bound once it is Ready', async () => {
    const nodes = await catalogue(bus);
    const sleeping = world.fleet.nodes.filter((n) => n.state === 'off').map((n) => n.name);
    // Nothing pending yet (DaemonSet pods waiting for sleeping nodes are not demand): no wake.
    expect(recorder.of(WakeNode.type)).toHaveLength(0);
    expect(sleeping).toHaveLength(2);
    // Only prod nodes may take it, and only sleeping nodes are prod here: it fits nowhere awake.
    expect(world.fleet.nodes.filter((n) => n.labels['somnus.io/tier'] === 'prod').every((n) => n.state === 'off')).toBe(true);
    world.fleet.createPod({
      metadata: { name: 'report-1', namespace: 'default' },
      spec: {
        containers: [{ name: 'main', image: 'report', resources: { requests: { cpu: '6', memory: '4Gi' } } }],
        nodeSelector: { 'somnus.io/tier': 'prod' },
        tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
      },
      status: { phase: 'Pending' },
    });

    await waitFor('a WakeNode command', () => recorder.of(WakeNode.type).length > 0, 20_000);
    await waitFor('the pod to be bound', () => world.fleet.cluster.getPod('default', 'report-1').spec.nodeName !== undefined, 30_000);

    const wakes = recorder.of<Payload<typeof WakeNode>>(WakeNode.type);
    const [wake] = wakes;
    expect(wakes).toHaveLength(1);
    const woken = [...nodes.values()].find((n) => n.id === wake?.data.nodeId);
    if (!woken) throw new Error(`the WakeNode command names no node of the fleet: ${wake?.data.nodeId}`);
    expect(sleeping).toContain(woken.name);
    expect(wake).toMatchObject({ actor: 'policy:somnus', subject: woken.id });
    expect(world.fleet.cluster.getPod('default', 'report-1').spec.nodeName).toBe(woken.name);
    expect(world.packets.some((p) => p.node === woken.name && p.first && p.startedBoot)).toBe(true);
    // The other sleeping node never got a packet.
    expect(world.packets.filter((p) => p.node !== woken.name)).toHaveLength(0);

    const decision = recorder.of<Payload<typeof DecisionMade>>(DecisionMade.type).find((d) => d.data.nodeId === woken.id && d.data.action === 'wake')!;
    expect(decision.data).toMatchObject({ policy: 'somnus', dryRun: false, code: 'unschedulable-work' });
    expect(decision.data.reason).toMatch(/waiting work/);
    // The command was caused by the decision: the chain is on record.
    expect(wakes[0]).toMatchObject({ causationId: decision.id, correlationId: decision.correlationId });

    const listed = await bus.request(ListDecisions, message(ListDecisions.type, { limit: 10, offset: 0, action: 'wake' as const }), 5_000);
    expect(listed.items[0]).toMatchObject({ id: decision.id, action: 'wake', nodeId: woken.id, nodeName: woken.name, reason: decision.data.reason, code: 'unschedulable-work' });
    expect(recorder.of(DrainNode.type)).toHaveLength(0);
  });

  it('refuses a calendar whose name is taken, naming the conflict', async () => {
    const spec = { name: 'weekend-batch', timeZone: 'UTC', days: ['sat', 'sun'], start: '22:00', end: '06:00' };
    const first = await bus.execute(CreateCalendar, message(CreateCalendar.type, spec), 5_000);
    expect(first).toMatchObject({ ok: true, result: { spec: { name: 'weekend-batch', wakeAtStart: false } } });
    const again = await bus.execute(CreateCalendar, message(CreateCalendar.type, spec), 5_000);
    expect(again).toMatchObject({ ok: false, code: 'conflict' });
    const listed = await bus.request(ListCalendars, message(ListCalendars.type, {}), 5_000);
    expect(listed.items.map((c) => c.spec.name)).toContain('weekend-batch');
  });
});

describe('calendar window with wakeAtStart (all-in-one, no Kubernetes, moved clock)', () => {
  let world: FleetWorld;
  let host: Host;
  let bus: MemoryBus;
  let recorder: BusRecorder;
  let dataDir: string;
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs, sleep: systemClock.sleep };

  beforeAll(async () => {
    world = await FleetWorld.start({ nodes: 6, asleep: 0 });
    dataDir = mkdtempSync(join(tmpdir(), 'somnus-scheduler-calendar-'));
    bus = new MemoryBus();
    recorder = await BusRecorder.attach(bus, 'test-calendar-recorder');
    const config = loadRuntimeConfig({ ...world.runtimeEnv, SOMNUS_MODE: 'all-in-one', SOMNUS_DATA_DIR: dataDir, KUBERNETES_MODE: 'none' });
    host = await startHost({ descriptors: [inventoryService, createSchedulerService({ env: {}, clock })], config, bus, logger: false });
    const leadership = host.app.get(SchedulerLeadership, { strict: false });
    await waitFor('the scheduler to lead', () => leadership.isLeader(), 10_000);
  });

  afterAll(async () => {
    await host?.close();
    await world?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('(f) wakes the sleeping nodes it selects when the window opens, not before, and no others', async () => {
    const nodes = await catalogue(bus);
    await waitFor('the projection to hold the catalogue', async () => {
      const decisions = await bus.request(ListDecisions, message(ListDecisions.type, { limit: 1, offset: 0 }), 5_000);
      return decisions.total >= 0 && nodes.size === 6;
    }, 10_000);
    // Lifecycle reports two nodes asleep: one prod (selected by the window), one dev (not selected).
    const prod = [...nodes.values()].find((n) => n.tier === 'prod')!;
    const dev = [...nodes.values()].find((n) => n.tier === 'dev')!;
    for (const node of [prod, dev]) {
      await bus.publish(NodeTransitioned, message(NodeTransitioned.type, { nodeId: node.id, from: 'draining', to: 'sleeping', reason: 'suspended after drain' }, 'system:lifecycle', node.id));
    }

    // "Now" becomes Monday 07:59:58 in Paris; the window opens at 08:00 Paris, two seconds later.
    const windowStart = Date.parse('2025-01-20T07:00:00Z');
    offsetMs = windowStart - 2_000 - Date.now();
    const created = await bus.execute(
      CreateCalendar,
      message(CreateCalendar.type, {
        name: 'office-hours',
        timeZone: 'Europe/Paris',
        days: ['mon', 'tue', 'wed', 'thu', 'fri'],
        start: '08:00',
        end: '18:00',
        wakeAtStart: true,
        selector: { tiers: ['prod'] },
      }),
      5_000,
    );
    expect(created).toMatchObject({ ok: true });

    await waitFor('a WakeNode for the prod node', () => recorder.of<Payload<typeof WakeNode>>(WakeNode.type).some((w) => w.data.nodeId === prod.id), 15_000);
    const decisions = await bus.request(ListDecisions, message(ListDecisions.type, { limit: 100, offset: 0, action: 'wake' as const }), 5_000);
    const wake = decisions.items.find((d) => d.nodeId === prod.id)!;
    expect(Date.parse(wake.at)).toBeGreaterThanOrEqual(windowStart);
    expect(wake.reason).toMatch(/office-hours/);
    // Only the selected sleeping node: the dev node sleeps on, awake nodes are not "woken".
    const wakes = recorder.of<Payload<typeof WakeNode>>(WakeNode.type);
    expect(wakes.map((w) => w.data.nodeId)).toEqual([prod.id]);
  });
});
