// The NUT client against the real upsd of Debian's nut-server, fed by the dummy-ups driver from a status file
// this test rewrites (OL -> OB -> OB LB -> OL). Configuration and state live in a temporary directory
// (NUT_CONFPATH / NUT_STATEPATH), so nothing under /etc/nut is read or touched; both daemons are children of
// this test and are stopped by pid.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { servicesRequired } from '@somnus/testing';
import { InMemorySecretStore } from '../drivers/secret-store';
import { NutClient, NutError, NutServerError, NutTimeoutError, NutUpsReading } from './nut-client.adapter';
import { UpsCondition, assessUps } from './ups-status';

const NUT_DIRS = ['/lib/nut', '/usr/lib/nut', '/usr/libexec/nut'];
// The real binaries, not /sbin/upsd: Debian's wrapper reads /etc/nut/nut.conf and exits 0 when MODE=none.
const find = (name: string): string | undefined => NUT_DIRS.map((dir) => join(dir, name)).find((path) => existsSync(path));
const UPSD = find('upsd');
const DUMMY_UPS = find('dummy-ups');
const PASSWORD = 'pa ss"word\\1'; // a space, a quote and a backslash: the quoting must hold

/** Polls `check` every 100 ms until it returns a value, for at most `ms`; the last error is in the failure. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last = '';
  for (let i = 0; i < 1_000; i++) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A upsd with one dummy UPS, `testups`, whose status file the test rewrites. */
class NutLab {
  dir = '';
  port = 0;
  private driver: ChildProcess | undefined;
  upsd: ChildProcess | undefined;
  private mtime = Math.floor(Date.now() / 1000);
  readonly output: string[] = [];

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'somnus-nut-'));
    this.port = await freePort();
    await mkdir(join(this.dir, 'state'), { mode: 0o700 });
    await writeFile(join(this.dir, 'nut.conf'), 'MODE=standalone\n');
    await writeFile(join(this.dir, 'ups.conf'), `[testups]\n  driver = dummy-ups\n  port = ${join(this.dir, 'testups.dev')}\n  desc = "Somnus test UPS"\n  pollinterval = 1\n`);
    await writeFile(join(this.dir, 'upsd.conf'), `LISTEN 127.0.0.1 ${this.port}\nMAXAGE 30\n`);
    const escaped = PASSWORD.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    await writeFile(join(this.dir, 'upsd.users'), `[somnus]\n  password = "${escaped}"\n  upsmon secondary\n`);
    for (const file of ['nut.conf', 'ups.conf', 'upsd.conf', 'upsd.users']) await chmod(join(this.dir, file), 0o600);
    await this.setStatus({ 'ups.status': 'OL', 'battery.charge': '100', 'battery.runtime': '1800' });
    this.driver = this.spawn(DUMMY_UPS as string, ['-a', 'testups', '-F']);
    await until('the dummy-ups socket', async () => (existsSync(join(this.dir, 'state', 'dummy-ups-testups')) ? true : undefined), 10_000);
    this.startUpsd();
  }

  startUpsd(): void {
    this.upsd = this.spawn(UPSD as string, ['-F']);
  }

  /** Rewrites the status file atomically, with a later mtime each time (dummy-ups re-reads on a newer mtime). */
  async setStatus(values: Record<string, string>): Promise<void> {
    const path = join(this.dir, 'testups.dev');
    await writeFile(`${path}.tmp`, Object.entries(values).map(([name, value]) => `${name}: ${value}`).join('\n') + '\n');
    await rename(`${path}.tmp`, path);
    this.mtime += 5;
    await utimes(path, this.mtime, this.mtime);
  }

  async stopUpsd(): Promise<void> {
    await stopChild(this.upsd);
    this.upsd = undefined;
  }

  async stop(): Promise<void> {
    await stopChild(this.upsd);
    await stopChild(this.driver);
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }

  private spawn(binary: string, args: string[]): ChildProcess {
    // As root, NUT drops privileges to "nut", which cannot read a root-owned temp dir: stay root instead.
    const asUser = process.getuid?.() === 0 ? ['-u', 'root'] : [];
    const child = spawn(binary, [...args, ...asUser], {
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', NUT_CONFPATH: this.dir, NUT_STATEPATH: join(this.dir, 'state') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer): void => void (this.output.length < 200 && this.output.push(chunk.toString()));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    return child;
  }
}

/** SIGTERM by pid, SIGKILL if it has not exited within 5 s; resolves once it has exited. */
async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGCONT'); // in case a test left it stopped
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const available = UPSD !== undefined && DUMMY_UPS !== undefined;
if (!available) {
  const message = `NUT's upsd and dummy-ups not found in ${NUT_DIRS.join(', ')} (apt-get install nut-server)`;
  if (!servicesRequired) process.stderr.write(`SKIPPED NUT client integration tests: ${message}\n`);
  else {
    describe('NutClient against a real upsd', () => {
      it('needs upsd and dummy-ups (SOMNUS_REQUIRE_SERVICES=1)', () => {
        throw new Error(`${message}; CI requires them`);
      });
    });
  }
}

(available ? describe : describe.skip)('NutClient against a real upsd [nut-server]', () => {
  const lab = new NutLab();
  const clients: NutClient[] = [];
  const client = (extra: Partial<ConstructorParameters<typeof NutClient>[0]> = {}): NutClient => {
    const made = new NutClient({ host: '127.0.0.1', port: lab.port, timeoutMs: 2_000, reconnectBaseMs: 200, reconnectMaxMs: 1_000, ...extra });
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    await lab.start();
    const probe = client();
    try {
      // The driver fills in its own variables (device.type) on its first poll after upsd connects.
      await until('upsd to serve testups', async () => ((await probe.getVar('testups', 'device.type')) === 'ups' ? true : undefined));
    } catch (error) {
      throw new Error(`${(error as Error).message}\nNUT said:\n${lab.output.join('')}`);
    }
  }, 40_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await lab.stop();
  }, 20_000);

  it('lists the UPS with its description', async () => {
    expect(await client().listUps()).toEqual([{ name: 'testups', description: 'Somnus test UPS' }]);
  });

  it('follows the UPS from line power to battery, low battery and back', async () => {
    const nut = client();
    const thresholds = { minRuntimeSeconds: 300 };
    const reachCondition = (condition: UpsCondition, status: string): Promise<NutUpsReading> =>
      until(`ups.status "${status}"`, async () => {
        const reading = await nut.readUps('testups');
        return reading.status === status && assessUps(reading, thresholds).condition === condition ? reading : undefined;
      });

    expect(await reachCondition('online', 'OL')).toEqual({ ups: 'testups', status: 'OL', batteryCharge: 100, batteryRuntimeSeconds: 1800 });

    await lab.setStatus({ 'ups.status': 'OB DISCHRG', 'battery.charge': '80', 'battery.runtime': '1200' });
    const onBattery = await reachCondition('on-battery', 'OB DISCHRG');
    expect(onBattery).toMatchObject({ batteryCharge: 80, batteryRuntimeSeconds: 1200 });
    expect(assessUps(onBattery, thresholds).reason).toContain('on battery');

    await lab.setStatus({ 'ups.status': 'OB LB', 'battery.charge': '9', 'battery.runtime': '95' });
    const low = await reachCondition('low-battery', 'OB LB');
    expect(low).toMatchObject({ batteryCharge: 9, batteryRuntimeSeconds: 95 });

    await lab.setStatus({ 'ups.status': 'OL CHRG', 'battery.charge': '12', 'battery.runtime': '140' });
    expect(await reachCondition('online', 'OL CHRG')).toMatchObject({ batteryCharge: 12 });
  }, 90_000);

  it("turns upsd's ERR replies into clear errors and keeps the connection", async () => {
    const nut = client();
    const unknown = await nut.getVar('no-such-ups', 'ups.status').catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(NutServerError);
    expect(unknown).toMatchObject({ nutCode: 'UNKNOWN-UPS', code: 'nut-unknown-ups', message: expect.stringContaining('SOMNUS_UPS') });
    await expect(nut.getVar('testups', 'battery.voltage.nominal.nope')).rejects.toMatchObject({ nutCode: 'VAR-NOT-SUPPORTED' });
    expect(await nut.getVar('testups', 'device.type')).toBe('ups');
  });

  it('logs in with USERNAME / PASSWORD from the secret store, and never shows the password', async () => {
    const secrets = new InMemorySecretStore({ 'nut-somnus': PASSWORD, 'nut-hash': 'pass#word' });
    const nut = client({ credential: { username: 'somnus', passwordRef: 'nut-somnus' }, secrets });
    expect(await nut.getVar('testups', 'device.type')).toBe('ups');

    const missing = client({ credential: { username: 'somnus', passwordRef: 'absent' }, secrets });
    const error = (await missing.listUps().catch((e: unknown) => e)) as NutError;
    expect(error).toMatchObject({ code: 'nut-credential', message: expect.stringContaining('absent') });
    expect(JSON.stringify({ message: error.message })).not.toContain('pa ss');

    const hash = client({ credential: { username: 'somnus', passwordRef: 'nut-hash' }, secrets });
    const refused = (await hash.listUps().catch((e: unknown) => e)) as NutError;
    expect(refused).toMatchObject({ code: 'nut-credential', message: expect.stringContaining('"#"') });
    expect(refused.message).not.toContain('pass#word');
  });

  it('times out a upsd that stops answering, then reconnects after the backoff', async () => {
    const nut = client({ timeoutMs: 500, reconnectBaseMs: 300 });
    expect(await nut.getVar('testups', 'device.type')).toBe('ups');
    const upsd = lab.upsd;
    if (!upsd?.pid) throw new Error('upsd is not running');
    upsd.kill('SIGSTOP');
    try {
      await expect(nut.getVar('testups', 'ups.status')).rejects.toBeInstanceOf(NutTimeoutError);
      // Within the backoff, a request fails at once and says when the next attempt is.
      await expect(nut.getVar('testups', 'ups.status')).rejects.toMatchObject({ code: 'nut-unreachable', message: expect.stringContaining('next connection attempt') });
    } finally {
      upsd.kill('SIGCONT');
    }
    expect(await until('the client to reconnect', async () => nut.getVar('testups', 'device.type'))).toBe('ups');
  });

  it('reconnects to a restarted upsd', async () => {
    const nut = client({ reconnectBaseMs: 100 });
    expect(await nut.getVar('testups', 'device.type')).toBe('ups');
    await lab.stopUpsd();
    await expect(until('the lost connection to show', async () => (await nut.getVar('testups', 'device.type').then(() => undefined, (e: NutError) => e.code)), 10_000)).resolves.toBe('nut-unreachable');
    lab.startUpsd();
    expect(await until('the client to reconnect', async () => nut.getVar('testups', 'device.type'))).toBe('ups');
  }, 40_000);

  it('says goodbye with LOGOUT and refuses requests afterwards', async () => {
    const nut = client();
    expect(await nut.getVar('testups', 'device.type')).toBe('ups');
    await nut.close();
    await expect(nut.listUps()).rejects.toMatchObject({ code: 'nut-unreachable', message: expect.stringContaining('closed') });
  });
});
