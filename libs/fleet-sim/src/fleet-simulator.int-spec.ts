import { createSocket } from 'node:dgram';
import { Client } from 'ssh2';
import { parse } from 'yaml';
import { nodeSpecSchema, SSH_COMMANDS } from '@somnus/contracts';
import { FleetSimulator, MagicPacketEvent } from './fleet-simulator';
import { NodeStateChange } from './simulated-node';
import { sha256Fingerprint } from './ssh-node-server';
import { buildMagicPacket } from './wol-listener';

jest.setTimeout(30000);

function sendPacket(port: number, packet: Buffer): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) =>
    socket.send(packet, port, '127.0.0.1', (error) => {
      socket.close();
      if (error) reject(error);
      else resolve();
    }),
  );
}

/** Runs one command over SSH; resolves the exit code, rejects on connection or verification failure. */
function ssh(port: number, privateKey: string, command: string, pinnedSha256?: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const timer = setTimeout(() => {
      client.end();
      reject(new Error('ssh timed out'));
    }, 10000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      client.end();
      reject(error);
    };
    client
      .on('ready', () =>
        client.exec(command, (error, stream) => {
          if (error) return fail(error);
          let code: number | undefined;
          stream.on('exit', (exitCode: number) => (code = exitCode));
          stream.on('close', () => {
            clearTimeout(timer);
            client.end();
            resolve(code);
          });
          stream.resume();
        }),
      )
      .on('error', fail)
      .connect({
        host: '127.0.0.1',
        port,
        username: 'somnus',
        privateKey,
        readyTimeout: 5000,
        hostVerifier: (key: Buffer) => pinnedSha256 === undefined || sha256Fingerprint(key) === pinnedSha256,
      });
  });
}

function nextEvent<T>(fleet: FleetSimulator, event: 'node-state' | 'magic-packet', matches: (payload: T) => boolean, timeoutMs = 10000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      fleet.off(event, listener as never);
      reject(new Error(`no matching ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: T): void => {
      if (!matches(payload)) return;
      clearTimeout(timer);
      fleet.off(event, listener as never);
      resolve(payload);
    };
    fleet.on(event, listener as never);
  });
}

describe('FleetSimulator', () => {
  let fleet: FleetSimulator;

  // Speed 50: Batsim's 151.5 s boot takes about 3 s, its 6.1 s suspend about 0.1 s.
  beforeAll(async () => {
    fleet = await FleetSimulator.start({ nodes: 6, speed: 50, asleep: ['sim-node-02', 'sim-node-03'] });
  });
  afterAll(() => fleet.stop());

  it('starts nodes of mixed sizes with distinct MACs, host keys and SSH ports', () => {
    const nodes = fleet.nodes;
    expect(nodes).toHaveLength(6);
    expect(new Set(nodes.map((node) => node.mac)).size).toBe(6);
    expect(new Set(nodes.map((node) => node.ssh.hostKeySha256)).size).toBe(6);
    expect(new Set(nodes.map((node) => node.ssh.port)).size).toBe(6);
    expect(new Set(nodes.map((node) => node.capacity.cpu)).size).toBeGreaterThan(1);
    expect(nodes.find((node) => node.name === 'sim-node-02')?.state).toBe('off');
    expect(nodes.find((node) => node.name === 'sim-node-01')?.state).toBe('on');
  });

  it('writes an inventory every node of which is a valid node spec', () => {
    const inventory = parse(fleet.toInventoryFile()) as { nodes: unknown[] };
    const specs = inventory.nodes.map((node) => nodeSpecSchema.parse(node));
    expect(specs[0]).toMatchObject({ ip: '127.0.0.1', driver: { wake: 'wol', sleep: 'ssh-suspend', wol: { broadcast: '127.0.0.1', port: fleet.wolPort } } });
    expect(specs.map((spec) => spec.ssh?.hostKeySha256)).toEqual(fleet.nodes.map((node) => node.ssh.hostKeySha256));
  });

  it('wakes exactly the node a magic packet names, and it answers SSH once booted', async () => {
    const asleep = fleet.node('sim-node-02');
    await expect(ssh(asleep.ssh.port, fleet.clientKey.privateKey, SSH_COMMANDS.activity)).rejects.toThrow(/ECONNREFUSED/);

    const packet = nextEvent<MagicPacketEvent>(fleet, 'magic-packet', () => true);
    const booted = nextEvent<NodeStateChange>(fleet, 'node-state', (change) => change.to === 'on');
    await sendPacket(fleet.wolPort, buildMagicPacket(asleep.mac));
    const arrival = await packet;
    expect(arrival).toMatchObject({ node: 'sim-node-02', first: true, startedBoot: true });
    expect(fleet.node('sim-node-03').state).toBe('off');
    expect((await booted).node).toBe('sim-node-02');
    expect(await ssh(asleep.ssh.port, fleet.clientKey.privateKey, SSH_COMMANDS.activity, asleep.ssh.hostKeySha256)).toBe(0);
  });

  it('ignores a packet for a foreign MAC', async () => {
    const before = fleet.wolStats.unknownMac;
    await sendPacket(fleet.wolPort, buildMagicPacket('02:53:ff:ff:ff:ff'));
    for (let attempt = 0; attempt < 100 && fleet.wolStats.unknownMac === before; attempt += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(fleet.wolStats.unknownMac).toBe(before + 1);
    expect(fleet.node('sim-node-03').state).toBe('off');
  });

  it('suspends over SSH: the node turns NotReady, stops listening, and comes back on the same port', async () => {
    const node = fleet.node('sim-node-04');
    const off = nextEvent<NodeStateChange>(fleet, 'node-state', (change) => change.node === node.name && change.to === 'off');
    expect(await ssh(node.ssh.port, fleet.clientKey.privateKey, SSH_COMMANDS.suspend, node.ssh.hostKeySha256)).toBe(0);
    await off;
    const ready = fleet.cluster.getNode(node.name).status.conditions.find((condition) => condition.type === 'Ready');
    expect(ready?.status).toBe('Unknown');
    await expect(ssh(node.ssh.port, fleet.clientKey.privateKey, SSH_COMMANDS.activity)).rejects.toThrow(/ECONNREFUSED/);

    const on = nextEvent<NodeStateChange>(fleet, 'node-state', (change) => change.node === node.name && change.to === 'on');
    await sendPacket(fleet.wolPort, buildMagicPacket(node.mac));
    await on;
    expect(fleet.node(node.name).ssh.port).toBe(node.ssh.port);
    expect(fleet.cluster.getNode(node.name).status.conditions.find((condition) => condition.type === 'Ready')?.status).toBe('True');
  });

  it('a node set never to boot stays off after its magic packet', async () => {
    fleet.setNeverBoots('sim-node-03');
    const packet = nextEvent<MagicPacketEvent>(fleet, 'magic-packet', (event) => event.node === 'sim-node-03');
    await sendPacket(fleet.wolPort, buildMagicPacket(fleet.node('sim-node-03').mac));
    expect(await packet).toMatchObject({ first: true, startedBoot: false });
    expect(fleet.node('sim-node-03').state).toBe('off');
  });

  it('a rotated host key no longer matches the pinned fingerprint', async () => {
    const node = fleet.node('sim-node-05');
    const fresh = await fleet.rotateHostKey(node.name);
    expect(fresh).not.toBe(node.ssh.hostKeySha256);
    await expect(ssh(node.ssh.port, fleet.clientKey.privateKey, SSH_COMMANDS.activity, node.ssh.hostKeySha256)).rejects.toThrow();
    expect(await ssh(node.ssh.port, fleet.clientKey.privateKey, SSH_COMMANDS.activity, fresh)).toBe(0);
  });

  it('accounts energy: sleeping nodes use less than the always-on counterfactual', () => {
    const energy = fleet.energy();
    expect(energy.joules).toBeGreaterThan(0);
    expect(energy.alwaysOnJoules).toBeGreaterThan(energy.joules);
    const asleep = energy.byNode['sim-node-03'];
    if (!asleep) throw new Error('no energy reading for sim-node-03');
    expect(asleep.joules).toBeLessThan(asleep.alwaysOnJoules);
  });
});
