// The real IPMI driver and the real ipmitool against OpenIPMI's BMC simulator (ipmi_sim) on 127.0.0.1: the
// test writes ipmi_sim's lan.conf, its emulator commands and a chassis-control script into a temp directory,
// starts ipmi_sim as its own child on a free UDP port, and kills it by pid at the end. The chassis script
// keeps the simulated machine's power in a file, so the test can see what the BMC was told to do.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { servicesRequired } from '@somnus/testing';
import type { Node } from '@somnus/contracts';
import { InMemorySecretStore } from './secret-store';
import { IpmiDriverOptions, IpmiPowerDriver } from './ipmi.driver';
import type { IpmiCommand } from './ipmi/ipmitool-output';
import { testNode } from './testing/test-node';

const which = (name: string): string | undefined =>
  (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, name)).find((path) => existsSync(path));
const IPMI_SIM = which('ipmi_sim');
const IPMITOOL = which('ipmitool');
const PASSWORD = 'S0mnus-sim-pw!';
const ctx = { commandId: 'cmd-ipmi', attempt: 1 };

/** Polls `check` every 100 ms until it returns a value, for at most `ms`; the last error is in the failure. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
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
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
}

/** A UDP port nothing listens on right now (bound, read, released). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

// ipmi_sim runs `<script> 0x20 get power`, `... set power 0|1`, `... set shutdown 1` (soft off); a cycle is
// `set power 0` and, a moment later, `set power 1`. With `refuse-off` present the machine ignores going down.
const CHASSIS_SCRIPT = `#!/bin/sh
dir=$(dirname "$0")
echo "$*" >> "$dir/calls.log"
shift
op=$1; shift
case $op in
  get)
    for p in "$@"; do
      case $p in
        power) echo "power:$(cat "$dir/power" 2>/dev/null || echo 0)";;
        boot) echo "boot:default";;
        *) exit 1;;
      esac
    done;;
  set)
    while [ $# -gt 1 ]; do
      case $1 in
        power) if [ "$2" = 1 ] || [ ! -e "$dir/refuse-off" ]; then echo "$2" > "$dir/power"; fi;;
        shutdown) if [ ! -e "$dir/refuse-off" ]; then echo 0 > "$dir/power"; fi;;
      esac
      shift 2
    done;;
  *) exit 1;;
esac
`;

/** A Full Sensor Record (IPMI 2.0 table 43-1) for a temperature sensor read 1:1 in degrees C. */
function temperatureSdr(sensor: number, entity: number, name: string): string {
  const id = [...Buffer.from(name, 'ascii')];
  const body = [
    0x20, 0x00, sensor, entity, 0x01, 0x7f, 0x68, 0x01, 0x01, // owner, LUN, number, entity, init, caps, type temp, threshold
    0, 0, 0, 0, 0, 0, // event and reading masks
    0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, // unsigned, degrees C, linear, M=1, B=0
    0x00, 0x00, 0x00, 0x00, 0xff, 0x00, // analog flags, nominal, normal max/min, sensor max/min
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // thresholds, hysteresis, reserved, OEM
    0xc0 | id.length, ...id,
  ];
  const record = [0x00, 0x00, 0x51, 0x01, body.length, ...body];
  return `main_sdr_add 0x20 ${record.map((byte) => `0x${byte.toString(16).padStart(2, '0')}`).join(' ')}`;
}

function temperatureSensor(sensor: number, celsius: number): string[] {
  const none = '000000000000000';
  return [`sensor_add 0x20 0 ${sensor} 0x01 0x01`, `sensor_set_value 0x20 0 ${sensor} ${celsius} 0`, `sensor_set_event_support 0x20 0 ${sensor} enable scanning per-state ${none} ${none} ${none} ${none}`];
}

/** One ipmi_sim with one BMC, its chassis script and two temperature sensors, owned by this test file. */
class IpmiSimLab {
  dir = '';
  port = 0;
  private sim?: ChildProcess;
  private simStderr = '';

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'somnus-ipmi-'));
    await mkdir(join(this.dir, 'state'));
    const script = join(this.dir, 'chassis.sh');
    await writeFile(script, CHASSIS_SCRIPT);
    await chmod(script, 0o700);
    await writeFile(join(this.dir, 'power'), '0\n');
    await writeFile(
      join(this.dir, 'sim.emu'),
      [
        'mc_setbmc 0x20',
        'mc_add 0x20 0 no-device-sdrs 0x23 0x09 0x08 0x9f 0x1291 0xf02',
        'sel_enable 0x20 1000 0x0a',
        ...temperatureSensor(1, 22),
        ...temperatureSensor(2, 45),
        temperatureSdr(1, 0x37, 'Inlet Temp'),
        temperatureSdr(2, 0x03, 'CPU1 Temp'),
        'mc_enable 0x20',
        '',
      ].join('\n'),
    );
    // The port can be taken between freeUdpPort() and ipmi_sim's bind: try a few.
    for (let attempt = 1; attempt <= 3; attempt++) {
      this.port = await freeUdpPort();
      await writeFile(join(this.dir, 'lan.conf'), this.lanConf());
      const sim = spawn(IPMI_SIM ?? 'ipmi_sim', ['-c', join(this.dir, 'lan.conf'), '-f', join(this.dir, 'sim.emu'), '-s', join(this.dir, 'state'), '-n'], {
        cwd: this.dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      this.sim = sim;
      sim.stderr?.on('data', (chunk: Buffer) => (this.simStderr = (this.simStderr + chunk.toString()).slice(-2_000)));
      sim.on('error', (error) => (this.simStderr += `\n${error.message}`));
      try {
        await until('ipmi_sim to answer chassis power status', async () => ((await this.ipmitool(['chassis', 'power', 'status'])).ok ? true : undefined), 10_000);
        return;
      } catch (error) {
        await this.stopSim();
        if (attempt === 3) throw new Error(`ipmi_sim did not come up on 127.0.0.1:${this.port}: ${(error as Error).message}; ipmi_sim said: ${this.simStderr || '(nothing)'}`);
      }
    }
  }

  private lanConf(): string {
    return [
      'name "somnus-test"',
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr 127.0.0.1 ${this.port}`,
      '    priv_limit admin',
      '    allowed_auths_callback md5',
      '    allowed_auths_user md5',
      '    allowed_auths_operator md5',
      '    allowed_auths_admin md5',
      '    guid a123456789abcdefa123456789abcdef',
      '  endlan',
      `  chassis_control "${join(this.dir, 'chassis.sh')} 0x20"`,
      `  user 2 true "somnus" "${PASSWORD}" admin 10 md5`,
      '',
    ].join('\n');
  }

  /** ipmitool run by the test itself (readiness only), password in its environment as the driver does. */
  ipmitool(command: string[]): Promise<{ ok: boolean; stdout: string }> {
    return new Promise((resolve) => {
      execFile(
        IPMITOOL ?? 'ipmitool',
        ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(this.port), '-U', 'somnus', '-C', '3', '-L', 'OPERATOR', '-E', '-N', '1', '-R', '0', ...command],
        { env: { PATH: process.env.PATH, IPMI_PASSWORD: PASSWORD }, timeout: 5_000 },
        (error, stdout) => resolve({ ok: !error, stdout }),
      );
    });
  }

  async power(): Promise<string> {
    return (await readFile(join(this.dir, 'power'), 'utf8')).trim();
  }

  async setPower(value: '0' | '1'): Promise<void> {
    await writeFile(join(this.dir, 'power'), `${value}\n`);
  }

  async calls(): Promise<string[]> {
    const log = await readFile(join(this.dir, 'calls.log'), 'utf8').catch(() => '');
    return log.split('\n').filter(Boolean);
  }

  async refuseOff(refuse: boolean): Promise<void> {
    if (refuse) await writeFile(join(this.dir, 'refuse-off'), '');
    else await rm(join(this.dir, 'refuse-off'), { force: true });
  }

  private async stopSim(): Promise<void> {
    const sim = this.sim;
    this.sim = undefined;
    if (!sim?.pid || sim.exitCode !== null || sim.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => sim.once('exit', () => resolve()));
    sim.kill('SIGTERM');
    const killTimer = setTimeout(() => sim.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(killTimer);
  }

  async stop(): Promise<void> {
    await this.stopSim();
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

const available = IPMI_SIM !== undefined && IPMITOOL !== undefined;
if (!available) {
  const message = `ipmi_sim and ipmitool not found on PATH (apt-get install openipmi ipmitool)`;
  if (!servicesRequired) process.stderr.write(`SKIPPED IPMI driver integration tests: ${message}\n`);
  else {
    describe('IpmiPowerDriver against ipmi_sim', () => {
      it('needs ipmi_sim and ipmitool (SOMNUS_REQUIRE_SERVICES=1)', () => {
        throw new Error(`${message}; CI requires them`);
      });
    });
  }
}

(available ? describe : describe.skip)('IpmiPowerDriver against ipmi_sim [openipmi, ipmitool]', () => {
  const lab = new IpmiSimLab();
  const spawned: { pid: number; command: IpmiCommand }[] = [];
  const driverWith = (options: Partial<IpmiDriverOptions> = {}, secrets: Record<string, string> = { 'bmc-sim': PASSWORD }): IpmiPowerDriver =>
    new IpmiPowerDriver({
      secrets: new InMemorySecretStore(secrets),
      ipmitoolPath: IPMITOOL,
      replyTimeoutSeconds: 1,
      replyRetries: 1,
      commandTimeoutMs: 10_000,
      retryDelayMs: 50,
      onSpawn: (pid, command) => spawned.push({ pid, command }),
      ...options,
    });
  // ipmi_sim 1.0 implements RMCP+ cipher suites up to 3 (HMAC-SHA1, AES), not 17: the node says so.
  const simNode = (bmc: Record<string, unknown> = {}): Node =>
    testNode({
      name: 'sim-node',
      ip: '127.0.0.1',
      driver: { wake: 'ipmi', sleep: 'ipmi' },
      bmc: { protocol: 'ipmi', address: '127.0.0.1', port: lab.port, username: 'somnus', credentialRef: 'bmc-sim', ipmi: { cipherSuite: 3, privilege: 'OPERATOR' }, ...bmc },
    });
  const driver = driverWith();

  const stateOf = async (node: Node = simNode()): Promise<string> => {
    const state = await driver.powerState(node, ctx);
    if (!state.ok) throw new Error(state.reason);
    return state.state;
  };

  beforeAll(async () => {
    await lab.start();
  }, 40_000);

  afterAll(async () => {
    await lab.stop();
  });

  beforeEach(async () => {
    spawned.length = 0;
    await lab.refuseOff(false);
  });

  it('powers the chassis on and reads it back as on', async () => {
    expect(await stateOf()).toBe('off');
    const result = await driver.wake(simNode(), ctx);
    expect(result).toMatchObject({ ok: true, driver: 'ipmi' });
    if (result.ok) expect(result.detail).toContain('chassis power on');
    expect(await lab.power()).toBe('1');
    expect(await stateOf()).toBe('on');
    expect(await lab.calls()).toContain('0x20 set power 1');
  });

  it('sleep is a soft (ACPI) shutdown request, after which the chassis reports off', async () => {
    await driver.wake(simNode(), ctx);
    const result = await driver.sleep(simNode(), ctx);
    expect(result.ok).toBe(true);
    expect(await lab.calls()).toContain('0x20 set shutdown 1');
    await until('the chassis to report off', async () => ((await stateOf()) === 'off' ? true : undefined));
  });

  it('power-off cuts the power', async () => {
    await driver.wake(simNode(), ctx);
    const result = await driver.powerOff(simNode(), ctx);
    expect(result.ok).toBe(true);
    expect(await lab.power()).toBe('0');
    expect(await stateOf()).toBe('off');
  });

  it('a power cycle goes off and comes back on', async () => {
    await driver.wake(simNode(), ctx);
    const before = (await lab.calls()).length;
    const result = await driver.powerCycle(simNode(), ctx);
    expect(result.ok).toBe(true);
    expect((await lab.calls()).slice(before)).toContain('0x20 set power 0');
    await until('the chassis to come back on after the cycle', async () => {
      const after = (await lab.calls()).slice(before);
      const off = after.indexOf('0x20 set power 0');
      return off >= 0 && after.indexOf('0x20 set power 1', off) > off && (await stateOf()) === 'on' ? true : undefined;
    });
  });

  it('a chassis that accepts power-off but stays on is caught by powerState', async () => {
    await driver.wake(simNode(), ctx);
    await lab.refuseOff(true);
    const result = await driver.powerOff(simNode(), ctx);
    // The BMC said yes; only reading the state back shows the machine did not go down.
    expect(result.ok).toBe(true);
    expect(await lab.calls()).toContain('0x20 set power 0');
    const state = await driver.powerState(simNode(), ctx);
    expect(state).toMatchObject({ ok: true, state: 'on' });
  });

  it('reads temperatures by kind; a BMC without DCMI gives no watts and no error', async () => {
    const result = await driver.readHardware(simNode(), ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.readings.watts).toBeUndefined();
    expect(result.readings.temperatures).toEqual([
      { name: 'Inlet Temp', kind: 'inlet', celsius: 22 },
      { name: 'CPU1 Temp', kind: 'cpu', celsius: 45 },
    ]);
  });

  it('preflight logs in and is ready', async () => {
    expect(await driver.preflight('sleep', simNode(), ctx)).toEqual({ ready: true });
  });

  it('a wrong password is ipmi-auth-failed, tried once, and the message has no password in it', async () => {
    await lab.setPower('0');
    const wrong = driverWith({ attempts: 3 }, { 'bmc-sim': 'not-the-password' });
    const result = await wrong.wake(simNode(), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('ipmi-auth-failed');
    expect(result.error.retryable).toBe(false);
    expect(result.reason).toContain('bmc-sim');
    expect(result.reason).not.toContain('not-the-password');
    expect(spawned).toHaveLength(1);
    expect(await lab.power()).toBe('0'); // nothing was switched
    expect(await wrong.preflight('wake', simNode(), ctx)).toMatchObject({ ready: false, code: 'ipmi-auth-failed' });
  });

  it('a session privilege too low to switch power is ipmi-auth-failed naming bmc.ipmi.privilege', async () => {
    const result = await driver.wake(simNode({ ipmi: { cipherSuite: 3, privilege: 'USER' } }), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('ipmi-auth-failed');
    expect(result.reason).toContain('bmc.ipmi.privilege');
  });

  it('a port where no BMC listens is ipmi-unreachable (or a timeout), retried, and never shows the password in argv', async () => {
    const silentPort = await freeUdpPort();
    const cmdlines: string[] = [];
    const environs: string[] = [];
    const watched = driverWith({
      attempts: 2,
      onSpawn: (pid, command) => {
        spawned.push({ pid, command });
        // Read while the child runs: it waits about 2 s for a BMC that never answers.
        cmdlines.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
        environs.push(readFileSync(`/proc/${pid}/environ`, 'utf8'));
      },
    });
    const result = await watched.wake(simNode({ port: silentPort }), ctx);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(['ipmi-unreachable', 'ipmi-timeout']).toContain(result.error.code);
    expect(result.error.retryable).toBe(true);
    expect(spawned).toHaveLength(2);
    expect(cmdlines).toHaveLength(2);
    for (const cmdline of cmdlines) {
      const args = cmdline.split('\0');
      expect(args).toContain('-E');
      expect(args).toContain(String(silentPort));
      expect(cmdline).not.toContain(PASSWORD);
    }
    // Where the password is instead: the child's own environment, readable only by its user.
    expect(environs[0]?.split('\0')).toContain(`IPMI_PASSWORD=${PASSWORD}`);
  });
});

/** A stand-in ipmitool that never answers, to exercise the kill timer, retries and the AbortSignal. */
describe('IpmiPowerDriver kill timer, retries and abort [/bin/sh]', () => {
  let dir = '';
  let hangingTool = '';
  const spawned: number[] = [];
  const node = testNode({
    name: 'hung-bmc',
    driver: { wake: 'ipmi', sleep: 'ipmi' },
    bmc: { protocol: 'ipmi', address: '127.0.0.1', port: 9, username: 'somnus', credentialRef: 'bmc', ipmi: { cipherSuite: 3, privilege: 'OPERATOR' } },
  });
  const driverWith = (options: Partial<IpmiDriverOptions>): IpmiPowerDriver =>
    new IpmiPowerDriver({ secrets: new InMemorySecretStore({ bmc: PASSWORD }), ipmitoolPath: hangingTool, retryDelayMs: 10, onSpawn: (pid) => spawned.push(pid), ...options });
  const gone = (pid: number): boolean => {
    try {
      return !/^State:\s+[RSD]/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return true;
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'somnus-ipmitool-'));
    hangingTool = join(dir, 'ipmitool');
    await writeFile(hangingTool, '#!/bin/sh\nexec /bin/sleep 60\n');
    await chmod(hangingTool, 0o700);
  });

  afterAll(async () => {
    for (const pid of spawned) if (!gone(pid)) process.kill(pid, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    spawned.length = 0;
  });

  it('kills a hung ipmitool at the timeout and retries power-on, which is safe to repeat', async () => {
    const result = await driverWith({ commandTimeoutMs: 300, attempts: 2 }).wake(node, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('ipmi-timeout');
    expect(spawned).toHaveLength(2);
    await until('the killed children to be gone', async () => (spawned.every(gone) ? true : undefined), 5_000);
  });

  it('does not repeat a power cycle that may have reached the BMC', async () => {
    const result = await driverWith({ commandTimeoutMs: 300, attempts: 3 }).powerCycle(node, ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('ipmi-timeout');
    expect(spawned).toHaveLength(1);
  });

  it('honours the AbortSignal: the child is killed and the result is ipmi-aborted', async () => {
    const controller = new AbortController();
    const pending = driverWith({ commandTimeoutMs: 30_000, attempts: 3 }).powerOff(node, { ...ctx, signal: controller.signal });
    await until('ipmitool to start', async () => (spawned.length === 1 ? true : undefined), 5_000);
    controller.abort();
    const result = await pending;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('ipmi-aborted');
    expect(spawned).toHaveLength(1);
    await until('the aborted child to be gone', async () => (spawned.every(gone) ? true : undefined), 5_000);
  });
});
