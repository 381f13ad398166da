// The wake and sleep loops end to end over real sockets on 127.0.0.1: a magic packet on UDP "boots" a tiny
// node whose sshd then starts listening; the wake is verified by TCP and a pinned SSH handshake. Its
// suspend command stops the sshd, and the sleep is verified by the port going quiet.
import { createHash } from 'node:crypto';
import { Socket as UdpSocket, createSocket } from 'node:dgram';
import { AddressInfo, createServer } from 'node:net';
import { Server, utils } from 'ssh2';
import { SSH_COMMANDS } from '@somnus/contracts';
import { PowerDriverRegistry } from '../drivers/power-driver.port';
import { SshPowerDriver } from '../drivers/ssh.driver';
import { InMemorySshKeyStore } from '../drivers/ssh-key-store.port';
import { WakeOnLanDriver } from '../drivers/wake-on-lan.driver';
import { testNode } from '../drivers/testing/test-node';
import { usableKeyPair } from '../drivers/testing/ssh-keys';
import { systemClock } from '@somnus/runtime';
import { NodeActionLocks } from './recent-commands';
import { PowerRateLimits } from './rate-limiter';
import { SleepNodeUseCase } from './sleep-node.use-case';
import { SleepVerifier } from './sleep-verifier';
import { WakeNodeUseCase } from './wake-node.use-case';
import { WakeVerifier } from './wake-verifier';

const MAC = '52:54:00:aa:bb:cc';

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** One simulated machine: a NIC that wakes on its own magic packet, an sshd that runs while awake. */
class TinyNode {
  readonly hostKey = usableKeyPair();
  private nic: UdpSocket = createSocket('udp4');
  private sshd: Server | undefined;
  readonly commands: string[] = [];
  nicPort = 0;

  constructor(
    readonly sshPort: number,
    private readonly clientPublicKey: string,
  ) {}

  get fingerprint(): string {
    const blob = Buffer.from(this.hostKey.public.split(' ')[1]!, 'base64');
    return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
  }

  async start(): Promise<void> {
    const macBytes = Buffer.from(MAC.split(':').map((pair) => parseInt(pair, 16)));
    const magic = Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => macBytes)]);
    this.nic.on('message', (packet) => {
      if (packet.equals(magic) && !this.sshd) void this.boot();
    });
    await new Promise<void>((resolve) => this.nic.bind(0, '127.0.0.1', resolve));
    this.nicPort = (this.nic.address() as AddressInfo).port;
  }

  get awake(): boolean {
    return this.sshd !== undefined;
  }

  private async boot(): Promise<void> {
    const allowed = utils.parseKey(this.clientPublicKey);
    if (allowed instanceof Error) throw allowed;
    const sshd = new Server({ hostKeys: [this.hostKey.private] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => {
        const ok = ctx.method === 'publickey' && ctx.key.data.equals(allowed.getPublicSSH()) && (!ctx.signature || !ctx.blob || allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true);
        if (ok) ctx.accept();
        else ctx.reject(['publickey']);
      });
      client.on('ready', () =>
        client.on('session', (acceptSession) =>
          acceptSession().on('exec', (accept, _reject, info) => {
            this.commands.push(info.command);
            const stream = accept();
            stream.exit(info.command === SSH_COMMANDS.suspend ? 0 : 126);
            stream.end();
            if (info.command === SSH_COMMANDS.suspend) setTimeout(() => void this.suspend(), 50);
          }),
        ),
      );
    });
    this.sshd = sshd;
    await new Promise<void>((resolve) => sshd.listen(this.sshPort, '127.0.0.1', resolve));
  }

  async suspend(): Promise<void> {
    const sshd = this.sshd;
    this.sshd = undefined;
    if (sshd) await new Promise<void>((resolve) => sshd.close(() => resolve()));
  }

  async stop(): Promise<void> {
    await this.suspend();
    await new Promise<void>((resolve) => this.nic.close(() => resolve()));
  }
}

describe('waking and putting to sleep a node over real sockets', () => {
  const clientKey = usableKeyPair();
  let machine: TinyNode;

  beforeAll(async () => {
    machine = new TinyNode(await freePort(), clientKey.public);
    await machine.start();
  });
  afterAll(() => machine.stop());

  it('wakes with a magic packet, verifies by TCP and pinned SSH, then suspends and sees it go quiet', async () => {
    const ssh = new SshPowerDriver({ keys: new InMemorySshKeyStore({ default: clientKey.private }), connectTimeoutMs: 2_000, commandTimeoutMs: 2_000 });
    const drivers = new PowerDriverRegistry([new WakeOnLanDriver({ intervalMs: 20 }), ssh]);
    const limits = new PowerRateLimits({}, systemClock.now);
    const locks = new NodeActionLocks();
    const wake = new WakeNodeUseCase({
      drivers,
      limits,
      locks,
      clock: systemClock,
      verifier: new WakeVerifier({ clock: systemClock, sshHandshake: (node) => ssh.verifyHandshake(node) }, { defaultTimeoutMs: 5_000, pollIntervalMs: 50, probeTimeoutMs: 500 }),
      retryPolicy: { maxAttempts: 2, baseDelayMs: 100, factor: 2, maxDelayMs: 1_000 },
    });
    const sleep = new SleepNodeUseCase({
      drivers,
      limits,
      locks,
      clock: systemClock,
      verifier: new SleepVerifier({ clock: systemClock }, { defaultTimeoutMs: 5_000, pollIntervalMs: 50, probeTimeoutMs: 500 }),
    });
    const node = testNode({
      mac: MAC,
      ssh: { host: '127.0.0.1', port: machine.sshPort, user: 'somnus', hostKeySha256: machine.fingerprint },
      driver: { wake: 'wol', sleep: 'ssh-suspend', wol: { broadcast: '127.0.0.1', port: machine.nicPort, repeat: 2 } },
    });

    expect(machine.awake).toBe(false);
    const woke = await wake.execute({ commandId: 'w1', node });
    expect(woke).toMatchObject({ outcome: 'woke', attempts: 1, driver: 'wol', verifiedBy: ['tcp', 'ssh'] });
    expect(machine.awake).toBe(true);

    const slept = await sleep.execute({ commandId: 's1', node });
    expect(slept).toMatchObject({ outcome: 'slept', driver: 'ssh' });
    expect(machine.awake).toBe(false);
    expect(machine.commands).toEqual([SSH_COMMANDS.suspend]);
  });

  it('ends wake-failed when the node never answers', async () => {
    const clock = systemClock;
    const wake = new WakeNodeUseCase({
      drivers: new PowerDriverRegistry([new WakeOnLanDriver({ intervalMs: 10 })]),
      limits: new PowerRateLimits({}, clock.now),
      clock,
      verifier: new WakeVerifier({ clock }, { defaultTimeoutMs: 300, pollIntervalMs: 50, probeTimeoutMs: 200 }),
      retryPolicy: { maxAttempts: 2, baseDelayMs: 50, factor: 2, maxDelayMs: 100 },
    });
    const deadPort = await freePort();
    const node = testNode({
      mac: '52:54:00:00:00:99', // not this machine's MAC: nothing boots
      ssh: { host: '127.0.0.1', port: deadPort, user: 'somnus', hostKeySha256: machine.fingerprint },
      driver: { wol: { broadcast: '127.0.0.1', port: machine.nicPort, repeat: 1 } },
    });
    const attempts: number[] = [];
    const result = await wake.execute({ commandId: 'w2', node }, { attemptStarted: (e) => void attempts.push(e.attempt) });
    expect(result).toMatchObject({ outcome: 'wake-failed', attempts: 2, errorCode: 'not-verified' });
    expect(attempts).toEqual([1, 2]);
    expect(machine.awake).toBe(false);
  });
});
