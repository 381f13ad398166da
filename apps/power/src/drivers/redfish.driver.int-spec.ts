// The Redfish driver against the fleet simulator's Redfish BMC emulator on 127.0.0.1, over https with a
// certificate made by `openssl` for this run: every action and reading on the legacy (Power/Thermal) and modern
// (EnvironmentMetrics/ThermalSubsystem) schemas, every failure with its stable code, TLS trust by CA, pin and
// `insecure`, and the session deleted after each conversation.
import { spawnSync } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';
import type { Clock } from '@somnus/runtime';
import type { NodeSpecInput } from '@somnus/contracts';
import { RedfishBmcEmulator, RedfishBmcEmulatorOptions, SelfSignedCertificate, selfSignedCertificate } from '@somnus/fleet-sim';
import { servicesRequired } from '@somnus/testing';
import { DriverResult, PowerDriverError } from './power-driver.port';
import { InMemorySecretStore } from './secret-store';
import { REDFISH_SYSTEM_LABEL, RedfishDriverOptions, RedfishPowerDriver } from './redfish.driver';
import { testNode } from './testing/test-node';

const opensslFound = spawnSync('openssl', ['version'], { timeout: 5000 }).status === 0;
if (!opensslFound) {
  const message = 'the openssl binary is not installed (apt-get install -y openssl); it makes the emulated BMC\'s certificate';
  if (!servicesRequired) process.stderr.write(`SKIPPED Redfish driver integration tests: ${message}\n`);
  else {
    describe('RedfishPowerDriver against the emulated BMC', () => {
      it('needs openssl (SOMNUS_REQUIRE_SERVICES=1)', () => {
        throw new Error(`${message}; CI requires it`);
      });
    });
  }
}

const PASSWORD = 'correct horse battery staple';
const ctx = { commandId: 'cmd-redfish', attempt: 1 };

/** The real clock, except that waits are recorded and last at most 20 ms: tests check what was asked for. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    sleep: (ms) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));
    },
  };
}

/** Polls `read` until it returns `wanted`, at most 100 times over 5 s; returns the last value seen. */
async function eventually<T>(read: () => Promise<T> | T, wanted: T): Promise<T> {
  const deadline = Date.now() + 5000;
  let last = await read();
  for (let i = 0; i < 100 && last !== wanted && Date.now() < deadline; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await read();
  }
  return last;
}

function failed(result: { ok: boolean; error?: PowerDriverError; reason?: string }): { code: string; reason: string } {
  if (result.ok || !result.error) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return { code: result.error.code, reason: result.reason ?? '' };
}

function detailOf(result: DriverResult): string {
  if (!result.ok) throw new Error(`expected success, got ${result.error.code}: ${result.reason}`);
  return result.detail;
}

(opensslFound ? describe : describe.skip)('RedfishPowerDriver against the emulated BMC [openssl]', () => {
  let cert: SelfSignedCertificate;
  let otherCert: SelfSignedCertificate;
  const running: RedfishBmcEmulator[] = [];

  beforeAll(async () => {
    [cert, otherCert] = await Promise.all([selfSignedCertificate(), selfSignedCertificate('somebody-else.test')]);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bmc) => bmc.stop()));
  });

  async function bmc(options: RedfishBmcEmulatorOptions = {}): Promise<RedfishBmcEmulator> {
    const started = await RedfishBmcEmulator.start({ tls: { key: cert.key, cert: cert.cert }, password: PASSWORD, resetDelayMs: 30, ...options });
    running.push(started);
    return started;
  }

  function secrets(): InMemorySecretStore {
    return new InMemorySecretStore({ 'bmc-password': PASSWORD, 'bmc-wrong': 'not the password', 'bmc-ca': cert.cert });
  }

  function driver(options: Partial<RedfishDriverOptions> = {}): RedfishPowerDriver {
    return new RedfishPowerDriver({ secrets: secrets(), requestTimeoutMs: 3000, retryBaseMs: 10, retryMaxMs: 50, ...options });
  }

  type Bmc = NonNullable<NodeSpecInput['bmc']>;
  /** A node whose BMC is `emulator`, trusting its certificate through the CA bundle unless told otherwise. */
  function nodeOf(emulator: RedfishBmcEmulator, bmcOverrides: Partial<Bmc> = {}, spec: Partial<NodeSpecInput> = {}) {
    return testNode({
      name: 'rack-node-7',
      driver: { wake: 'redfish', sleep: 'redfish', preSleepHooks: [] },
      bmc: {
        protocol: 'redfish',
        address: '127.0.0.1',
        port: emulator.port,
        scheme: emulator.scheme,
        username: 'admin',
        credentialRef: 'bmc-password',
        tls: { caRef: 'bmc-ca', insecure: false },
        ...bmcOverrides,
      },
      ...spec,
    });
  }

  async function stateOf(d: RedfishPowerDriver, node: ReturnType<typeof nodeOf>): Promise<string> {
    const result = await d.powerState(node, ctx);
    return result.ok ? result.state : result.error.code;
  }

  describe.each(['legacy', 'modern'] as const)('%s profile', (profile) => {
    it('wakes with ResetType On, and the power state read back turns on', async () => {
      const emulator = await bmc({ profile, systems: [{ id: 'Node7', hostName: 'rack-node-7', powerState: 'Off' }] });
      const d = driver();
      const node = nodeOf(emulator);
      expect(await stateOf(d, node)).toBe('off');
      expect(detailOf(await d.wake(node, ctx))).toContain('ResetType On accepted');
      expect(emulator.resets).toEqual([{ systemId: 'Node7', resetType: 'On', from: 'Off' }]);
      expect(await eventually(() => stateOf(d, node), 'on')).toBe('on');
      expect(emulator.sessionCount).toBe(0);
      expect(emulator.sessionsCreated).toBeGreaterThanOrEqual(3);
      expect(emulator.requests.filter((r) => r.method === 'DELETE')).toHaveLength(emulator.sessionsCreated);
    });

    it('shuts down with GracefulShutdown and forces off with ForceOff', async () => {
      const emulator = await bmc({ profile });
      const d = driver();
      const node = nodeOf(emulator);
      detailOf(await d.sleep(node, ctx));
      expect(emulator.resets.map((r) => r.resetType)).toEqual(['GracefulShutdown']);
      expect(await eventually(() => emulator.powerState(), 'Off')).toBe('Off');
      emulator.setPowerState('On');
      detailOf(await d.powerOff(node, ctx));
      expect(emulator.resets.map((r) => r.resetType)).toEqual(['GracefulShutdown', 'ForceOff']);
      expect(await eventually(() => stateOf(d, node), 'off')).toBe('off');
      expect(emulator.sessionCount).toBe(0);
    });

    it('reads measured watts and inlet and CPU temperatures', async () => {
      const emulator = await bmc({ profile, sensors: { wattsOn: 287, inletCelsius: 21.5, cpuCelsiusOn: 52 } });
      const result = await driver().readHardware(nodeOf(emulator), ctx);
      if (!result.ok) throw new Error(result.reason);
      expect(result.readings.watts).toBe(287);
      expect(result.readings.temperatures).toEqual(expect.arrayContaining([
        { name: expect.any(String), kind: 'inlet', celsius: 21.5 },
        { name: expect.any(String), kind: 'cpu', celsius: 52 },
      ]));
      const paths = emulator.requests.map((r) => r.path);
      if (profile === 'legacy') expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/\/Power$/), expect.stringMatching(/\/Thermal$/)]));
      else expect(paths).toEqual(expect.arrayContaining([expect.stringMatching(/\/EnvironmentMetrics$/), expect.stringMatching(/\/ThermalMetrics$/)]));
      expect(emulator.sessionCount).toBe(0);
    });
  });

  it('adds up the PowerSubsystem supplies\' input watts when the chassis has no EnvironmentMetrics', async () => {
    const emulator = await bmc({ profile: 'modern', environmentMetrics: false, sensors: { wattsOn: 301 } });
    const result = await driver().readHardware(nodeOf(emulator), ctx);
    if (!result.ok) throw new Error(result.reason);
    expect(result.readings.watts).toBe(301);
    expect(emulator.requests.map((r) => r.path)).toEqual(expect.arrayContaining([expect.stringMatching(/\/PowerSupplies\/Bay2\/Metrics$/)]));
    expect(emulator.requests.map((r) => r.path)).not.toEqual(expect.arrayContaining([expect.stringMatching(/EnvironmentMetrics$/)]));
  });

  it('reads the allowed ResetType values from @Redfish.ActionInfo on the modern profile', async () => {
    const emulator = await bmc({ profile: 'modern', allowableResetTypes: ['ForceOff', 'PushPowerButton'], systems: [{ id: 'S1', powerState: 'Off' }] });
    detailOf(await driver().wake(nodeOf(emulator), ctx));
    expect(emulator.requests.map((r) => r.path)).toContain('/redfish/v1/Systems/S1/ResetActionInfo');
    expect(emulator.resets.map((r) => r.resetType)).toEqual(['PushPowerButton']);
  });

  it('cycles with PowerCycle when allowed, else ForceRestart', async () => {
    const withCycle = await bmc({ allowableResetTypes: ['On', 'ForceOff', 'PowerCycle', 'ForceRestart'] });
    detailOf(await driver().powerCycle(nodeOf(withCycle), ctx));
    expect(withCycle.resets.map((r) => r.resetType)).toEqual(['PowerCycle']);
    const without = await bmc();
    detailOf(await driver().powerCycle(nodeOf(without), ctx));
    expect(without.resets.map((r) => r.resetType)).toEqual(['ForceRestart']);
    expect(await eventually(() => without.powerState(), 'On')).toBe('On');
  });

  it('falls back to PushPowerButton for a graceful shutdown, and does not press it when the machine is already off', async () => {
    const emulator = await bmc({ allowableResetTypes: ['ForceOff', 'PushPowerButton'] });
    const d = driver();
    const node = nodeOf(emulator);
    detailOf(await d.sleep(node, ctx));
    expect(emulator.resets.map((r) => r.resetType)).toEqual(['PushPowerButton']);
    await eventually(() => emulator.powerState(), 'Off');
    expect(detailOf(await d.sleep(node, ctx))).toContain('already reports PowerState Off');
    expect(emulator.resets).toHaveLength(1);
  });

  it('refuses clearly when no allowed ResetType fits', async () => {
    const emulator = await bmc({ allowableResetTypes: ['On', 'Nmi'] });
    const { code, reason } = failed(await driver().powerOff(nodeOf(emulator), ctx));
    expect(code).toBe('redfish-reset-not-allowed');
    expect(reason).toContain('allows ResetType On, Nmi, none of ForceOff');
    expect(emulator.resets).toHaveLength(0);
    expect(emulator.sessionCount).toBe(0);
  });

  it('passes on the BMC\'s own words when it refuses a reset', async () => {
    const emulator = await bmc();
    emulator.refuseResets('the chassis is in service mode');
    const { code, reason } = failed(await driver().powerOff(nodeOf(emulator), ctx));
    expect(code).toBe('redfish-reset-not-allowed');
    expect(reason).toContain('HTTP 409');
    expect(reason).toContain('the chassis is in service mode');
    expect(emulator.sessionCount).toBe(0);
  });

  it('reports what the BMC says, so a BMC that reports another state than the one asked for is caught on read-back', async () => {
    const emulator = await bmc();
    emulator.reportPowerState('On');
    const d = driver();
    const node = nodeOf(emulator);
    detailOf(await d.powerOff(node, ctx));
    expect(await eventually(() => emulator.powerState(), 'Off')).toBe('Off');
    expect(await stateOf(d, node)).toBe('on');
    emulator.reportPowerState('PoweringOff');
    expect(await stateOf(d, node)).toBe('unknown');
  });

  it('refuses wrong credentials with redfish-auth-failed and the BMC\'s message, never the password', async () => {
    const emulator = await bmc();
    const { code, reason } = failed(await driver().wake(nodeOf(emulator, { credentialRef: 'bmc-wrong' }), ctx));
    expect(code).toBe('redfish-auth-failed');
    expect(reason).toContain('authorization error');
    expect(reason).not.toContain('not the password');
    expect(reason).not.toContain(PASSWORD);
    expect(emulator.sessionsCreated).toBe(0);
  });

  it('says which credential setting is missing', async () => {
    const emulator = await bmc();
    expect(failed(await driver().wake(nodeOf(emulator, { credentialRef: 'no-such-secret' }), ctx)).code).toBe('redfish-credential-missing');
    const { code, reason } = failed(await driver().wake(nodeOf(emulator, { credentialRef: undefined }), ctx));
    expect(code).toBe('redfish-credential-missing');
    expect(reason).toContain('bmc.credentialRef');
  });

  it('reports a closed port as redfish-unreachable', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const emulator = await bmc();
    const { code, reason } = failed(await driver().wake(nodeOf(emulator, { port }), ctx));
    expect(code).toBe('redfish-unreachable');
    expect(reason).toContain('ECONNREFUSED');
  });

  it('gives up on a BMC that answers too slowly with redfish-timeout', async () => {
    const emulator = await bmc();
    emulator.respondSlowly(3000);
    const { code, reason } = failed(await driver({ requestTimeoutMs: 200 }).powerState(nodeOf(emulator), ctx));
    expect(code).toBe('redfish-timeout');
    expect(reason).toContain('within 200 ms');
  });

  it('stops when the power service aborts the call', async () => {
    const emulator = await bmc();
    emulator.respondSlowly(3000);
    const controller = new AbortController();
    const pending = driver().wake(nodeOf(emulator), { ...ctx, signal: controller.signal });
    // Abort while the BMC holds the first request, not before it is sent.
    expect(await eventually(() => emulator.requests.length, 1)).toBe(1);
    controller.abort();
    const { code, reason } = failed(await pending);
    expect(code).toBe('redfish-unreachable');
    expect(reason).toContain('shutting down');
  });

  it('retries a 503 after the Retry-After it asks for, and gives up when it asks for too long', async () => {
    const emulator = await bmc();
    const clock = recordingClock();
    emulator.failNextRequests(2, { retryAfterSeconds: 1 });
    expect(await stateOf(driver({ clock }), nodeOf(emulator))).toBe('on');
    expect(clock.waits).toEqual([1000, 1000]);
    expect(emulator.sessionCount).toBe(0);

    emulator.failNextRequests(1, { retryAfterSeconds: 120 });
    const { code, reason } = failed(await driver({ clock, maxRetryAfterMs: 5000 }).powerState(nodeOf(emulator), ctx));
    expect(code).toBe('redfish-unreachable');
    expect(reason).toContain('Retry-After: 120');
    expect(reason).toContain('The service is temporarily unavailable');
  });

  it('retries 5xx a bounded number of times with backoff', async () => {
    const emulator = await bmc();
    const clock = recordingClock();
    emulator.failNextRequests(10, { status: 500 });
    const { code, reason } = failed(await driver({ clock, retries: 2 }).powerState(nodeOf(emulator), ctx));
    expect(code).toBe('redfish-unreachable');
    expect(reason).toContain('3 times');
    expect(clock.waits).toHaveLength(2);
    expect(emulator.requests).toHaveLength(3);
  });

  it('refuses an HTML page instead of JSON with redfish-bad-response', async () => {
    const emulator = await bmc();
    emulator.serveHtml(true);
    const { code, reason } = failed(await driver().wake(nodeOf(emulator), ctx));
    expect(code).toBe('redfish-bad-response');
    expect(reason).toContain('HTML');
  });

  describe('TLS', () => {
    it('refuses the self-signed certificate by default, before sending credentials', async () => {
      const emulator = await bmc();
      const { code, reason } = failed(await driver().wake(nodeOf(emulator, { tls: { insecure: false } }), ctx));
      expect(code).toBe('redfish-tls-untrusted');
      expect(reason).toContain('bmc.tls.caRef');
      expect(emulator.requests).toHaveLength(0);
    });

    it('accepts it through the CA bundle named by caRef', async () => {
      const emulator = await bmc();
      expect(await stateOf(driver(), nodeOf(emulator, { tls: { caRef: 'bmc-ca', insecure: false } }))).toBe('on');
    });

    it('accepts it by its pinned SHA-256 fingerprint, with or without colons, and refuses another pin', async () => {
      const emulator = await bmc();
      expect(await stateOf(driver(), nodeOf(emulator, { tls: { pinnedSha256: cert.sha256.toLowerCase(), insecure: false } }))).toBe('on');
      expect(await stateOf(driver(), nodeOf(emulator, { tls: { pinnedSha256: cert.sha256.replace(/:/g, ''), insecure: false } }))).toBe('on');
      const before = emulator.requests.length;
      const { code, reason } = failed(await driver().powerState(nodeOf(emulator, { tls: { pinnedSha256: otherCert.sha256, insecure: false } }), ctx));
      expect(code).toBe('redfish-tls-untrusted');
      expect(reason).toContain(`but ${otherCert.sha256} is pinned`);
      expect(emulator.requests).toHaveLength(before);
    });

    it('checks the pin on top of a CA', async () => {
      const emulator = await bmc();
      expect(await stateOf(driver(), nodeOf(emulator, { tls: { caRef: 'bmc-ca', pinnedSha256: cert.sha256, insecure: false } }))).toBe('on');
      expect(await stateOf(driver(), nodeOf(emulator, { tls: { caRef: 'bmc-ca', pinnedSha256: otherCert.sha256, insecure: false } }))).toBe('redfish-tls-untrusted');
    });

    it('accepts any certificate only with insecure: true', async () => {
      const emulator = await bmc();
      expect(await stateOf(driver(), nodeOf(emulator, { tls: { insecure: true } }))).toBe('on');
    });

    it('speaks plain http when bmc.scheme says so', async () => {
      const emulator = await RedfishBmcEmulator.start({ password: PASSWORD });
      running.push(emulator);
      expect(emulator.scheme).toBe('http');
      expect(await stateOf(driver(), nodeOf(emulator, { scheme: 'http', tls: undefined }))).toBe('on');
    });
  });

  describe('sessions and systems', () => {
    it('deletes its session after every action and reading, and uses only its X-Auth-Token', async () => {
      const emulator = await bmc({ profile: 'modern' });
      const d = driver();
      const node = nodeOf(emulator);
      const calls = [() => d.powerState(node, ctx), () => d.readHardware(node, ctx), () => d.sleep(node, ctx), () => d.preflight('wake', node, ctx), () => d.wake(node, ctx)];
      for (const [index, call] of calls.entries()) {
        const result = await call();
        expect(result).toMatchObject(index === 3 ? { ready: true } : { ok: true });
        expect(emulator.sessionsCreated).toBe(index + 1);
        expect(emulator.sessionCount).toBe(0);
      }
      const authenticated = emulator.requests.filter((r) => r.path !== '/redfish/v1' && !(r.method === 'POST' && r.path.endsWith('/Sessions')));
      expect(authenticated.every((r) => r.auth === 'session')).toBe(true);
      expect(emulator.requests.filter((r) => r.method === 'DELETE')).toHaveLength(calls.length);
    });

    it('deletes the session when the action fails after login', async () => {
      const emulator = await bmc({ allowableResetTypes: ['Nmi'] });
      failed(await driver().powerOff(nodeOf(emulator), ctx));
      expect(emulator.sessionsCreated).toBe(1);
      expect(emulator.sessionCount).toBe(0);
    });

    it('uses HTTP basic auth only when allowed and the BMC has no SessionService', async () => {
      const emulator = await bmc({ sessionService: false });
      const { code, reason } = failed(await driver().wake(nodeOf(emulator), ctx));
      expect(code).toBe('redfish-auth-failed');
      expect(reason).toContain('allowBasicAuth');
      expect(await stateOf(driver({ allowBasicAuth: true }), nodeOf(emulator))).toBe('on');
      expect(emulator.requests.filter((r) => r.path === '/redfish/v1/Systems').map((r) => r.auth)).toEqual(['basic']);
      expect(await stateOf(driver({ allowBasicAuth: true }), nodeOf(emulator, { credentialRef: 'bmc-wrong' }))).toBe('redfish-auth-failed');
    });

    it('picks the system named by the node label or the node name among several, and refuses to guess', async () => {
      const emulator = await bmc({
        systems: [
          { id: 'Blade1', hostName: 'blade-one', powerState: 'Off' },
          { id: 'Blade2', hostName: 'rack-node-7', powerState: 'Off' },
          { id: 'Blade3', hostName: 'blade-three', uuid: '2f1c9e3a-3c1d-4b8e-9a51-1c0d2b3e4f5a', powerState: 'Off' },
        ],
      });
      const d = driver();
      detailOf(await d.wake(nodeOf(emulator), ctx));
      detailOf(await d.wake(nodeOf(emulator, {}, { labels: { [REDFISH_SYSTEM_LABEL]: '2F1C9E3A-3C1D-4B8E-9A51-1C0D2B3E4F5A' } }), ctx));
      expect(emulator.resets.map((r) => r.systemId)).toEqual(['Blade2', 'Blade3']);
      const { code, reason } = failed(await d.wake(nodeOf(emulator, {}, { name: 'unknown-node' }), ctx));
      expect(code).toBe('redfish-no-system');
      expect(reason).toContain('Blade1 (blade-one)');
      expect(reason).toContain(REDFISH_SYSTEM_LABEL);
      expect(emulator.sessionCount).toBe(0);
    });

    it('takes the only system whatever its name, but an explicit label must match it', async () => {
      const emulator = await bmc({ systems: [{ id: 'Self', hostName: 'whatever' }] });
      expect(await stateOf(driver(), nodeOf(emulator))).toBe('on');
      expect(await stateOf(driver(), nodeOf(emulator, {}, { labels: { [REDFISH_SYSTEM_LABEL]: 'Other' } }))).toBe('redfish-no-system');
    });
  });

  describe('preflight', () => {
    it('is ready with good settings and names the cause with a stable code otherwise', async () => {
      const emulator = await bmc();
      const d = driver();
      expect(await d.preflight('sleep', nodeOf(emulator), ctx)).toEqual({ ready: true });
      expect(await d.preflight('sleep', nodeOf(emulator, { credentialRef: 'bmc-wrong' }), ctx)).toMatchObject({ ready: false, code: 'redfish-auth-failed' });
      expect(await d.preflight('sleep', nodeOf(emulator, { username: undefined }), ctx)).toMatchObject({ ready: false, code: 'redfish-credential-missing' });
      expect(await d.preflight('sleep', nodeOf(emulator, { tls: { insecure: false } }), ctx)).toMatchObject({ ready: false, code: 'redfish-tls-untrusted' });
      expect(await d.preflight('sleep', nodeOf(emulator, { port: 1 }), ctx)).toMatchObject({ ready: false, code: 'redfish-unreachable' });
      expect(await d.preflight('sleep', testNode({ name: 'no-bmc' }), ctx)).toMatchObject({ ready: false, code: 'redfish-not-configured' });
      expect(emulator.sessionCount).toBe(0);
    });
  });
});
