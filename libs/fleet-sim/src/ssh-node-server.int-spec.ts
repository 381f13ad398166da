import { Client } from 'ssh2';
import { preSleepHookCommand, SSH_COMMANDS } from '@somnus/contracts';
import { generateSshKeyPair, sha256Fingerprint, SshNodeMachine, SshNodeServer } from './ssh-node-server';

jest.setTimeout(20000);

interface ExecResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  hostKeySha256: string;
}

/** Connects as Somnus would, runs one command and reports what came back plus the host key it saw. */
function runCommand(port: number, privateKey: string, command: string, user = 'somnus'): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let hostKeySha256 = '';
    const timer = setTimeout(() => {
      client.end();
      reject(new Error('ssh command timed out'));
    }, 10000);
    // Errors from ssh2 come from another realm under jest, so tell the outcomes apart by shape.
    const finish = (outcome: ExecResult | Error): void => {
      clearTimeout(timer);
      client.end();
      if ('hostKeySha256' in outcome) resolve(outcome);
      else reject(outcome);
    };
    client
      .on('ready', () => {
        client.exec(command, (error, stream) => {
          if (error) return finish(error);
          let stdout = '';
          let stderr = '';
          let exitCode: number | undefined;
          stream.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
          stream.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
          stream.on('exit', (code: number) => (exitCode = code));
          stream.on('close', () => finish({ exitCode, stdout, stderr, hostKeySha256 }));
        });
      })
      .on('error', (error) => finish(error))
      .connect({
        host: '127.0.0.1',
        port,
        username: user,
        privateKey,
        readyTimeout: 5000,
        hostVerifier: (key: Buffer) => {
          hostKeySha256 = sha256Fingerprint(key);
          return true;
        },
      });
  });
}

describe('SshNodeServer', () => {
  const somnusKey = generateSshKeyPair('somnus');
  const suspended: string[] = [];
  const machine: SshNodeMachine = {
    activity: () => ({
      loadAverage: [1.5, 1.25, 0.75],
      runnableTasks: 2,
      totalTasks: 312,
      lastPid: 4242,
      interfaces: [{ name: 'eth0', rxBytes: 123456, rxPackets: 321, txBytes: 65432, txPackets: 123 }],
      sessions: 3,
    }),
    suspend: () => void suspended.push('suspend'),
    powerOff: () => void suspended.push('poweroff'),
    preSleepHooks: () => new Map([['flush-cache', 0], ['broken-hook', 2]]),
  };
  const server = new SshNodeServer({ nodeName: 'sim-node-01', user: 'somnus', authorizedKey: somnusKey.publicKey, machine });

  beforeAll(() => server.listen());
  afterAll(() => server.close());

  it('shows clients the host key whose fingerprint it advertises', async () => {
    const result = await runCommand(server.port, somnusKey.privateKey, SSH_COMMANDS.activity);
    expect(result.hostKeySha256).toBe(server.hostKeySha256);
    expect(server.hostKeySha256).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('prints /proc/loadavg, /proc/net/dev and a session count for the activity command', async () => {
    const result = await runCommand(server.port, somnusKey.privateKey, SSH_COMMANDS.activity);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('1.50 1.25 0.75 2/312 4242');
    expect(lines[1]).toMatch(/^Inter-\|/);
    expect(lines[3]).toMatch(/^\s*eth0:\s+123456\s+321(\s+0){6}\s+65432\s+123/);
    expect(lines.at(-1)).toBe('3');
  });

  it('answers suspend and power-off with exit 0, then the machine acts', async () => {
    expect((await runCommand(server.port, somnusKey.privateKey, SSH_COMMANDS.suspend)).exitCode).toBe(0);
    expect((await runCommand(server.port, somnusKey.privateKey, SSH_COMMANDS.powerOff)).exitCode).toBe(0);
    expect(suspended).toEqual(['suspend', 'poweroff']);
  });

  it('runs the configured pre-sleep hooks with their exit codes', async () => {
    expect((await runCommand(server.port, somnusKey.privateKey, preSleepHookCommand('flush-cache'))).exitCode).toBe(0);
    const broken = await runCommand(server.port, somnusKey.privateKey, preSleepHookCommand('broken-hook'));
    expect(broken.exitCode).toBe(2);
    const missing = await runCommand(server.port, somnusKey.privateKey, preSleepHookCommand('not-installed'));
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('not-installed');
  });

  it('refuses any other command with 126 and a message on stderr', async () => {
    for (const command of ['rm -rf /', `${SSH_COMMANDS.suspend}; reboot`, 'sudo -n systemctl reboot']) {
      const result = await runCommand(server.port, somnusKey.privateKey, command);
      expect(result.exitCode).toBe(126);
      expect(result.stderr).toContain('refused');
    }
    expect(server.commands.at(-1)).toMatchObject({ command: 'sudo -n systemctl reboot', exitCode: 126 });
  });

  it('refuses a key other than the configured one, and another user', async () => {
    const stranger = generateSshKeyPair('stranger');
    await expect(runCommand(server.port, stranger.privateKey, SSH_COMMANDS.activity)).rejects.toThrow(/authentication/i);
    await expect(runCommand(server.port, somnusKey.privateKey, SSH_COMMANDS.activity, 'root')).rejects.toThrow(/authentication/i);
  });

  it('refuses connections while closed and listens on the same port again', async () => {
    const port = server.port;
    await server.close();
    await expect(runCommand(port, somnusKey.privateKey, SSH_COMMANDS.activity)).rejects.toThrow(/ECONNREFUSED/);
    await server.listen();
    expect(server.port).toBe(port);
    expect((await runCommand(port, somnusKey.privateKey, SSH_COMMANDS.activity)).exitCode).toBe(0);
  });

  it('presents a new host key after rotation', async () => {
    const before = server.hostKeySha256;
    const after = await server.rotateHostKey();
    expect(after).not.toBe(before);
    const result = await runCommand(server.port, somnusKey.privateKey, SSH_COMMANDS.activity);
    expect(result.hostKeySha256).toBe(after);
  });
});
