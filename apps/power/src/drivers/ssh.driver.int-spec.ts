// The real SSH driver against a real ssh2 Server on 127.0.0.1: host key pinning, key auth, fixed commands.
import { createHash } from 'node:crypto';
import { AddressInfo, Server as TcpServer, createServer } from 'node:net';
import { Server, utils } from 'ssh2';
import { SSH_COMMANDS, preSleepHookCommand } from '@somnus/contracts';
import { SshPowerDriver } from './ssh.driver';
import { InMemorySshKeyStore } from './ssh-key-store.port';
import { usableKeyPair } from './testing/ssh-keys';
import { HostKeyMismatchError, PreSleepHookFailedError, SshAuthenticationError, SshTimeoutError, SshUnreachableError } from './ssh-errors';
import { DriverResult } from './power-driver.port';
import { testNode } from './testing/test-node';

const ACTIVITY = ['0.25 0.50 0.75 1/200 999', 'Inter-| r | t', ' face |b|b', `eth0: 100 ${'0 '.repeat(7)}200 ${'0 '.repeat(7)}`, '2', ''].join('\n');
const FIXED = new Set<string>([SSH_COMMANDS.suspend, SSH_COMMANDS.powerOff, SSH_COMMANDS.activity, preSleepHookCommand('drain-gpu'), preSleepHookCommand('broken')]);

function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.split(' ')[1]!, 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** A node's sshd, small: public-key auth for one client key, and the fixed commands. */
class TestSshd {
  readonly commands: string[] = [];
  /** Every command this server received in the whole file; never cleared. */
  readonly allCommands: string[] = [];
  authAttempts = 0;
  /** What `suspend` does: exit 0 like systemd, or drop the connection as a node going down may. */
  suspendBehaviour: 'exit-0' | 'drop' = 'exit-0';
  private server: Server;
  port = 0;

  constructor(hostPrivateKey: string, clientPublicKey: string) {
    const allowed = utils.parseKey(clientPublicKey);
    if (allowed instanceof Error) throw allowed;
    this.server = new Server({ hostKeys: [hostPrivateKey] }, (client) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => {
        this.authAttempts += 1;
        if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowed.getPublicSSH())) return ctx.reject(['publickey']);
        if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
        ctx.accept();
      });
      client.on('ready', () => {
        client.on('session', (acceptSession) => {
          const session = acceptSession();
          session.on('exec', (accept, _reject, info) => {
            this.commands.push(info.command);
            this.allCommands.push(info.command);
            const stream = accept();
            if (info.command === SSH_COMMANDS.activity) {
              stream.write(ACTIVITY);
              stream.exit(0);
            } else if (info.command === SSH_COMMANDS.suspend && this.suspendBehaviour === 'drop') {
              client.end();
              return;
            } else if (info.command === preSleepHookCommand('broken')) {
              stream.stderr.write('cannot stop the GPU job\n');
              stream.exit(3);
            } else if (FIXED.has(info.command)) {
              stream.exit(0);
            } else {
              stream.stderr.write('refused\n');
              stream.exit(126);
            }
            stream.end();
          });
        });
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('SshPowerDriver against a real ssh2 server', () => {
  const hostKey = usableKeyPair();
  const otherHostKey = usableKeyPair();
  const clientKey = usableKeyPair();
  const strangerKey = usableKeyPair();
  const keys = new InMemorySshKeyStore({ fleet: clientKey.private, stranger: strangerKey.private });
  const driver = new SshPowerDriver({ keys, connectTimeoutMs: 3_000, commandTimeoutMs: 3_000 });
  const ctx = { commandId: 'cmd-1', attempt: 1 };

  let sshd: TestSshd;
  let impostor: TestSshd;

  const nodeAt = (port: number, overrides: { keyRef?: string; hostKeySha256?: string; hooks?: string[]; sleep?: 'ssh-suspend' | 'ssh-poweroff' } = {}) =>
    testNode({
      ssh: { host: '127.0.0.1', port, user: 'somnus', keyRef: overrides.keyRef ?? 'fleet', hostKeySha256: overrides.hostKeySha256 ?? fingerprintOf(hostKey.public) },
      driver: { wake: 'wol', sleep: overrides.sleep ?? 'ssh-suspend', preSleepHooks: overrides.hooks ?? [] },
    });

  /** Errors must name keys, never contain them. */
  const expectNoKeyMaterial = (result: DriverResult) => {
    const text = JSON.stringify(result) + (result.ok ? '' : result.error.message);
    for (const secret of [clientKey.private, strangerKey.private]) {
      const body = secret.split('\n').slice(1, -2).join('');
      expect(text).not.toContain(body.slice(0, 40));
    }
  };

  beforeAll(async () => {
    sshd = new TestSshd(hostKey.private, clientKey.public);
    impostor = new TestSshd(otherHostKey.private, clientKey.public);
    await Promise.all([sshd.listen(), impostor.listen()]);
  });
  afterAll(() => Promise.all([sshd.close(), impostor.close()]));
  beforeEach(() => {
    sshd.commands.length = 0;
    sshd.authAttempts = 0;
    impostor.commands.length = 0;
    impostor.authAttempts = 0;
    sshd.suspendBehaviour = 'exit-0';
  });

  it('accepts the pinned host key and runs the fixed suspend command', async () => {
    const result = await driver.sleep(nodeAt(sshd.port), ctx);
    expect(result).toMatchObject({ ok: true, driver: 'ssh' });
    expect(sshd.commands).toEqual([SSH_COMMANDS.suspend]);
  });

  it('runs pre-sleep hooks first, in order, then powers off for ssh-poweroff', async () => {
    const result = await driver.sleep(nodeAt(sshd.port, { hooks: ['drain-gpu'], sleep: 'ssh-poweroff' }), ctx);
    expect(result.ok).toBe(true);
    expect(sshd.commands).toEqual([preSleepHookCommand('drain-gpu'), SSH_COMMANDS.powerOff]);
  });

  it('aborts the sleep when a hook fails, with the hook and its error as the reason', async () => {
    const result = await driver.sleep(nodeAt(sshd.port, { hooks: ['drain-gpu', 'broken', 'drain-gpu'] }), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(PreSleepHookFailedError);
    expect(result.reason).toContain('"broken"');
    expect(result.reason).toContain('exited with 3');
    expect(result.reason).toContain('cannot stop the GPU job');
    expect(sshd.commands).toEqual([preSleepHookCommand('drain-gpu'), preSleepHookCommand('broken')]);
  });

  it('counts a connection dropped by a suspending node as sent', async () => {
    sshd.suspendBehaviour = 'drop';
    const result = await driver.sleep(nodeAt(sshd.port), ctx);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.detail).toContain('went quiet');
  });

  it('reads activity over the fixed command and parses it', async () => {
    await expect(driver.readActivity(nodeAt(sshd.port))).resolves.toEqual({
      load1: 0.25,
      load5: 0.5,
      load15: 0.75,
      netRxBytes: 100,
      netTxBytes: 200,
      sshSessions: 2,
    });
    expect(sshd.commands).toEqual([SSH_COMMANDS.activity]);
  });

  it('refuses a changed host key before offering any credential, with both fingerprints', async () => {
    const result = await driver.sleep(nodeAt(impostor.port), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(HostKeyMismatchError);
    const mismatch = result.error as HostKeyMismatchError;
    expect(mismatch.expected).toBe(fingerprintOf(hostKey.public));
    expect(mismatch.actual).toBe(fingerprintOf(otherHostKey.public));
    expect(mismatch.retryable).toBe(false);
    expect(impostor.authAttempts).toBe(0);
    expect(impostor.commands).toEqual([]);
    expectNoKeyMaterial(result);
    await expect(driver.verifyHandshake(nodeAt(impostor.port))).rejects.toBeInstanceOf(HostKeyMismatchError);
  });

  it('is refused by the node when the client key is not authorised', async () => {
    const result = await driver.sleep(nodeAt(sshd.port, { keyRef: 'stranger' }), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(SshAuthenticationError);
    expect(result.reason).toContain('"stranger"');
    expect(sshd.commands).toEqual([]);
    expectNoKeyMaterial(result);
  });

  it('names a missing key without trying to connect', async () => {
    const result = await driver.sleep(nodeAt(sshd.port, { keyRef: 'missing' }), ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'ssh-key-not-found' } });
    expect(sshd.authAttempts).toBe(0);
  });

  it('refuses an unreadable key without repeating its content', async () => {
    const garbage = 'not-a-key-' + 'x'.repeat(64);
    const withBadKey = new SshPowerDriver({ keys: new InMemorySshKeyStore({ broken: garbage }), connectTimeoutMs: 2_000 });
    const result = await withBadKey.sleep(nodeAt(sshd.port, { keyRef: 'broken' }), ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'ssh-key-invalid' } });
    expect(JSON.stringify(result)).not.toContain('x'.repeat(16));
    expect(sshd.commands).toEqual([]);
  });

  it('reports a closed port as unreachable and retryable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const result = await driver.sleep(nodeAt(port), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(SshUnreachableError);
    expect(result.error.retryable).toBe(true);
  });

  it('gives up on a server that never speaks SSH within the connect timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: TcpServer = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const quick = new SshPowerDriver({ keys, connectTimeoutMs: 300 });
    try {
      const result = await quick.sleep(nodeAt((silent.address() as AddressInfo).port), ctx);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toBeInstanceOf(SshTimeoutError);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('only ever sent fixed commands', () => {
    // Everything the driver did in this file reached the servers as one of the fixed command lines.
    expect(sshd.allCommands.length).toBeGreaterThan(5);
    for (const command of [...sshd.allCommands, ...impostor.allCommands]) expect(FIXED.has(command)).toBe(true);
  });
});
