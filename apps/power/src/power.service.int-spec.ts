// The power service hosted with inventory (as the all-in-one does) against the simulated fleet: real
// Wake-on-LAN packets, real SSH sessions with pinned host keys, the simulated Kubernetes API for Ready.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeSleeping, NodeSlept, NodeWakeFailed, NodeWaking, NodeWoke, PowerActionRefused, SleepNode, WakeNode } from '@somnus/contracts';
import { MemoryBus, MessageBus, removeJetStreamNamespace } from '@somnus/bus';
import { Host, loadRuntimeConfig, startHost } from '@somnus/runtime';
import { catalogue, createTestDatabase, describeWithServices, message as command, realServices, TestDatabase, uniqueName, waitFor } from '@somnus/testing';
import { inventoryService } from '@somnus/inventory';
import { createPowerService } from './power.module';
import { NodeDirectory } from './nodes/node-directory';
import { EnergyLedger } from './energy/energy-ledger';
import { PowerCommandsHandler } from './commands/power-commands.handler';
import { FAST_POWER_ENV, PowerWorld } from './testing/power-world';

jest.setTimeout(90_000);

async function hostedPower(world: PowerWorld, env: Record<string, string>, bus?: MessageBus): Promise<{ host: Host; bus: MessageBus }> {
  const config = loadRuntimeConfig({ ...world.runtimeEnv, ...env });
  const host = await startHost({ descriptors: [inventoryService, createPowerService({ ...FAST_POWER_ENV })], config, bus, logger: false });
  const hostBus = bus ?? host.infrastructure.get('power')!.bus;
  const directory = host.app.get(NodeDirectory, { strict: false });
  await waitFor('the power service to know every node', () => directory.size === world.fleet.nodes.length, 15_000);
  return { host, bus: hostBus };
}

describe('power service over the simulated fleet (all-in-one, in-memory bus)', () => {
  let world: PowerWorld;
  let host: Host;
  let bus: MessageBus;
  let dataDir: string;

  beforeAll(async () => {
    world = await PowerWorld.start({ nodes: 6, asleep: 3 });
    dataDir = mkdtempSync(join(tmpdir(), 'somnus-power-data-'));
    // No de-duplication window: a repeated command id must reach the service, whose inbox is under test.
    const memoryBus = new MemoryBus({ duplicateWindowMs: 0 });
    await world.collectEvents(memoryBus, 'test-power');
    ({ host, bus } = await hostedPower(world, { SOMNUS_MODE: 'all-in-one', SOMNUS_DATA_DIR: dataDir }, memoryBus));
  });

  afterAll(async () => {
    await host?.app.get(PowerCommandsHandler, { strict: false }).settled();
    await host?.close();
    await world?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('wakes a sleeping node with valid magic packets for that node only, and reports waking then woke with the caller as cause', async () => {
    const name = world.namesIn('off')[0]!;
    const node = (await catalogue(bus)).get(name)!;
    const packetsBefore = world.packets.length;
    const wake = command(WakeNode.type, { nodeId: node.id, reason: 'a pod is pending' }, 'user:alice');

    const outcome = await bus.execute(WakeNode, wake, 5_000);
    expect(outcome).toEqual({ ok: true, result: { nodeId: node.id, accepted: true } });

    await waitFor(`node-woke for ${name}`, () => world.eventsFor(node.id, NodeWoke).length > 0, 30_000);
    const packets = world.packets.slice(packetsBefore);
    expect(packets.length).toBeGreaterThan(0);
    expect(packets.every((p) => p.node === name && p.mac === node.mac)).toBe(true);
    expect(packets.some((p) => p.first && p.startedBoot)).toBe(true);

    const waking = world.eventsFor(node.id, NodeWaking);
    const woke = world.eventsFor(node.id, NodeWoke);
    expect(waking.length).toBeGreaterThanOrEqual(1);
    expect(woke).toHaveLength(1);
    for (const event of [...waking, ...woke]) {
      expect(event).toMatchObject({ actor: 'user:alice', correlationId: wake.correlationId, causationId: wake.id, subject: node.id });
    }
    expect(world.events.indexOf(waking[0]!)).toBeLessThan(world.events.indexOf(woke[0]!));
    expect(woke[0]!.data).toMatchObject({ nodeId: node.id, driver: 'wol', verifiedBy: ['tcp', 'ssh', 'kubernetes'] });
    expect(world.fleet.node(name).state).toBe('on');
  });

  it('gives up on a node that never boots with node-wake-failed after its retries, never leaving it waking', async () => {
    const name = world.namesIn('off').at(-1)!; // the last: the next test wakes the first
    world.fleet.setNeverBoots(name);
    const node = (await catalogue(bus)).get(name)!;
    const wake = command(WakeNode.type, { nodeId: node.id, reason: 'calendar window opens' }, 'policy:somnus');

    expect(await bus.execute(WakeNode, wake, 5_000)).toMatchObject({ ok: true });
    await waitFor(`node-wake-failed for ${name}`, () => world.eventsFor(node.id, NodeWakeFailed).length > 0, 40_000);

    const attempts = world.eventsFor(node.id, NodeWaking).map((e) => (e.data as { attempt?: number }).attempt);
    expect(attempts).toEqual([1, 2]);
    expect(world.eventsFor(node.id, NodeWoke)).toHaveLength(0);
    const failed = world.eventsFor(node.id, NodeWakeFailed)[0]!;
    expect(failed).toMatchObject({ actor: 'policy:somnus', correlationId: wake.correlationId });
    expect((failed.data as { reason: string }).reason).toMatch(/not verified awake|gave up after 2 attempts/);
    expect(world.packetsFor(name).every((p) => !p.startedBoot)).toBe(true);
  });

  it('performs one action for the same command id sent twice: one burst of magic packets, one node-waking', async () => {
    const name = world.namesIn('off')[0]!;
    const node = (await catalogue(bus)).get(name)!;
    const wake = command(WakeNode.type, { nodeId: node.id, reason: 'pending pods' }, 'user:bob');

    const first = await bus.execute(WakeNode, wake, 5_000);
    const second = await bus.execute(WakeNode, wake, 5_000);
    expect(first).toEqual({ ok: true, result: { nodeId: node.id, accepted: true } });
    expect(second).toEqual(first);
    await waitFor(`node-woke for ${name}`, () => world.eventsFor(node.id, NodeWoke).length > 0, 30_000);
    await host.app.get(PowerCommandsHandler, { strict: false }).settled();

    expect(world.packetsFor(name)).toHaveLength(world.wolRepeat(name));
    expect(world.eventsFor(node.id, NodeWaking)).toHaveLength(1);
  });

  it('refuses to put a node to sleep when its SSH host key changed, with the reason, and runs nothing on it', async () => {
    const name = world.namesIn('on')[0]!;
    const node = (await catalogue(bus)).get(name)!;
    await world.fleet.rotateHostKey(name);
    const sleep = command(SleepNode.type, { nodeId: node.id, reason: 'idle for 30 min' }, 'policy:somnus');

    const outcome = await bus.execute(SleepNode, sleep, 10_000);
    expect(outcome).toMatchObject({ ok: false, code: 'refused' });
    expect(outcome.ok === false && outcome.reason).toMatch(/host key/);

    await waitFor('action-refused', () => world.eventsFor(node.id, PowerActionRefused).length > 0, 5_000);
    const refused = world.eventsFor(node.id, PowerActionRefused)[0]!;
    expect(refused).toMatchObject({ actor: 'policy:somnus', correlationId: sleep.correlationId, data: { nodeId: node.id, action: 'sleep' } });
    expect((refused.data as { reason: string }).reason).toMatch(/host key/);
    expect(world.eventsFor(node.id, NodeSleeping)).toHaveLength(0);
    expect(world.fleet.machine(name).ssh.commands).toHaveLength(0);
    expect(world.fleet.node(name).state).toBe('on');
  });

  it('suspends an awake node over SSH and reports sleeping then slept', async () => {
    const name = world.namesIn('on').find((n) => world.fleet.machine(n).ssh.commands.length === 0 && n !== world.namesIn('on')[0])!;
    const node = (await catalogue(bus)).get(name)!;
    const sleep = command(SleepNode.type, { nodeId: node.id, reason: 'idle' }, 'policy:somnus');

    expect(await bus.execute(SleepNode, sleep, 10_000)).toEqual({ ok: true, result: { nodeId: node.id, accepted: true } });
    await waitFor(`node-slept for ${name}`, () => world.eventsFor(node.id, NodeSlept).length > 0, 20_000);
    expect(world.eventsFor(node.id, NodeSleeping)).toHaveLength(1);
    expect(world.fleet.node(name).state).toBe('off');
  });

  it('meters energy per node against always-on, with sleeping nodes drawing less', async () => {
    const ledger = host.app.get(EnergyLedger, { strict: false });
    await ledger.sampleNow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const written = await ledger.sampleNow();
    expect(written).toBe(world.fleet.nodes.length);

    const totals = await ledger.totals();
    expect(totals.nodes).toHaveLength(world.fleet.nodes.length);
    expect(totals.joules).toBeGreaterThan(0);
    const asleep = totals.nodes.filter((n) => n.powerState === 'off');
    // Awake all along (never woken here): exactly the always-on figure, since utilisation is unknown.
    const awake = totals.nodes.filter((n) => n.powerState === 'on' && world.packetsFor(n.name!).length === 0);
    expect(awake.length).toBeGreaterThan(0);
    expect(asleep.length).toBeGreaterThan(0);
    for (const node of asleep) expect(node.savedJoules).toBeGreaterThan(0);
    for (const node of awake) expect(node.joules).toBeCloseTo(node.alwaysOnJoules, 6);
    expect(totals.savedJoules).toBeCloseTo(totals.alwaysOnJoules - totals.joules, 6);
  });

  it('answers not-found for a node that is not in the catalogue, and records the refusal', async () => {
    const nodeId = '00000000-0000-4000-8000-000000000001';
    const outcome = await bus.execute(WakeNode, command(WakeNode.type, { nodeId, reason: 'test' }, 'user:carol'), 5_000);
    expect(outcome).toMatchObject({ ok: false, code: 'not-found' });
    await waitFor('action-refused', () => world.eventsFor(nodeId, PowerActionRefused).length > 0, 5_000);
  });
});

describeWithServices(['postgres', 'nats'], 'power service over the simulated fleet (distributed)', () => {
  let database: TestDatabase;
  const namespace = uniqueName('power');
  let world: PowerWorld;
  let host: Host;
  let bus: MessageBus;

  beforeAll(async () => {
    database = await createTestDatabase('somnus_t_power');
    world = await PowerWorld.start({ nodes: 3, asleep: 1 });
    ({ host, bus } = await hostedPower(world, {
      SOMNUS_MODE: 'distributed',
      DATABASE_URL: database.url,
      NATS_URL: realServices.natsUrl,
      REDIS_URL: realServices.redisUrl,
      SOMNUS_BUS_NAMESPACE: namespace,
    }));
    await world.collectEvents(bus, 'test-power');
  });

  afterAll(async () => {
    await host?.app.get(PowerCommandsHandler, { strict: false }).settled();
    await host?.close();
    await world?.stop();
    await removeJetStreamNamespace(realServices.natsUrl, namespace);
    await database?.drop();
  });

  it('wakes a sleeping node over NATS and Postgres: magic packets for that node only, waking then woke caused by the caller', async () => {
    const name = world.namesIn('off')[0]!;
    const node = (await catalogue(bus)).get(name)!;
    const wake = command(WakeNode.type, { nodeId: node.id, reason: 'a pod is pending' }, 'user:alice');

    expect(await bus.execute(WakeNode, wake, 5_000)).toEqual({ ok: true, result: { nodeId: node.id, accepted: true } });
    await waitFor(`node-woke for ${name}`, () => world.eventsFor(node.id, NodeWoke).length > 0, 30_000);

    expect(world.packets.length).toBeGreaterThan(0);
    expect(world.packets.every((p) => p.node === name)).toBe(true);
    const caused = [...world.eventsFor(node.id, NodeWaking), ...world.eventsFor(node.id, NodeWoke)];
    expect(caused.length).toBeGreaterThanOrEqual(2);
    for (const event of caused) expect(event).toMatchObject({ actor: 'user:alice', correlationId: wake.correlationId, subject: node.id });
    expect(world.fleet.node(name).state).toBe('on');
  });
});
