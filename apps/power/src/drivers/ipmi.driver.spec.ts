// The IPMI driver's pure parts: the argument list, the parsers of ipmitool's answers and the mapping of its
// error output to stable codes, on output captured from ipmitool 1.8.19 (against OpenIPMI's ipmi_sim) and
// from vendor documentation. Plus the refusals that happen before any ipmitool runs.
import { InMemorySecretStore } from './secret-store';
import { IpmiPowerDriver } from './ipmi.driver';
import { IpmiError } from './ipmi/ipmi-errors';
import {
  FailureContext,
  IpmiSession,
  IpmitoolOutcome,
  classifyFailure,
  dcmiUnsupported,
  ipmitoolArgs,
  parseDcmiPowerReading,
  parsePowerStatus,
  parseTemperatureSdr,
  temperatureKind,
  usefulStderr,
} from './ipmi/ipmitool-output';
import { testNode } from './testing/test-node';

const SESSION: IpmiSession = { address: '10.0.9.7', port: 623, username: 'somnus', cipherSuite: 17, privilege: 'OPERATOR', replyTimeoutSeconds: 2, replyRetries: 2 };
const CONTEXT: FailureContext = { nodeName: 'gpu-7', session: SESSION, command: 'power-on', credentialRef: 'bmc-rack1' };
const failed = (stderr: string, exitCode = 1): IpmitoolOutcome => ({ ended: 'exit', exitCode, stdout: '', stderr });
const ipmiNode = (bmc: Record<string, unknown> = {}) =>
  testNode({ name: 'gpu-7', driver: { wake: 'ipmi', sleep: 'ipmi' }, bmc: { protocol: 'ipmi', address: '10.0.9.7', username: 'somnus', credentialRef: 'bmc-rack1', ...bmc } });
const ctx = { commandId: 'cmd-1', attempt: 1 };

describe('ipmitool arguments', () => {
  it('logs in over lanplus with the node settings and takes the password from the environment (-E), never -P', () => {
    const args = ipmitoolArgs(SESSION, 'power-on');
    expect(args).toEqual(['-I', 'lanplus', '-H', '10.0.9.7', '-p', '623', '-U', 'somnus', '-C', '17', '-L', 'OPERATOR', '-E', '-N', '2', '-R', '2', '-v', 'chassis', 'power', 'on']);
    expect(args).not.toContain('-P');
  });

  it('reads sensors without -v, which would change the sdr format', () => {
    expect(ipmitoolArgs(SESSION, 'sdr-temperature').slice(-3)).toEqual(['sdr', 'type', 'Temperature']);
    expect(ipmitoolArgs(SESSION, 'sdr-temperature')).not.toContain('-v');
  });
});

describe('parsePowerStatus', () => {
  it('reads on and off', () => {
    expect(parsePowerStatus('Chassis Power is on\n')).toBe('on');
    expect(parsePowerStatus('Chassis Power is off\n')).toBe('off');
  });

  it('says unknown for anything else rather than guessing', () => {
    expect(parsePowerStatus('')).toBe('unknown');
    expect(parsePowerStatus('Chassis Power Control: Up/On\n')).toBe('unknown');
    expect(parsePowerStatus('Chassis Power is onish\n')).toBe('unknown');
  });
});

describe('parseDcmiPowerReading', () => {
  // lib/ipmi_dcmi.c's layout, values as a Dell R640 reports them.
  const reading = [
    '',
    '    Instantaneous power reading:                   218 Watts',
    '    Minimum during sampling period:                 52 Watts',
    '    Maximum during sampling period:                374 Watts',
    '    Average power reading over sample period:      220 Watts',
    '    IPMI timestamp:                           Tue Mar 10 12:00:00 2020',
    '    Sampling period:                          00000001 Seconds.',
    '    Power reading state is:                   activated',
    '',
  ].join('\n');

  it('takes the instantaneous reading', () => {
    expect(parseDcmiPowerReading(reading)).toBe(218);
  });

  it('has no watts when power reading is deactivated (the BMC then says 0 W)', () => {
    expect(parseDcmiPowerReading(reading.replace('218', '  0').replace('activated', 'deactivated'))).toBeUndefined();
  });

  it('has no watts when the output has no reading', () => {
    expect(parseDcmiPowerReading('')).toBeUndefined();
  });

  it('tells a BMC without DCMI from a busy one', () => {
    expect(dcmiUnsupported('\n    DCMI request failed because: Invalid command (c1)\n')).toBe(true);
    // ipmi_sim answers d4 at OPERATOR for the DCMI group it does not implement.
    expect(dcmiUnsupported('Get HPM.x Capabilities request failed, compcode = d4\n\n    DCMI request failed because: Insufficient privilege level (d4)\n')).toBe(true);
    expect(dcmiUnsupported('\n    DCMI request failed because: Node busy (c0)\n')).toBe(false);
    expect(dcmiUnsupported('Error: Unable to establish IPMI v2 / RMCP+ session\n')).toBe(false);
  });
});

describe('parseTemperatureSdr', () => {
  it('reads the extended list, in Celsius, with a kind per sensor', () => {
    // ipmi_sim with two sensors, as the integration test sets it up, and a Dell-style block.
    const stdout = [
      'Inlet Temp       | 01h | ok  | 55.1 | 22 degrees C',
      'CPU1 Temp        | 02h | ok  |  3.1 | 45 degrees C',
      'Exhaust Temp     | 01h | ok  |  7.1 | 30 degrees C',
      'Temp             | 0Eh | ok  |  3.1 | 41 degrees C',
      'Temp             | 0Fh | ns  |  3.2 | Disabled',
      'DIMM A1 Temp     | 33h | ns  | 32.0 | No Reading',
      '',
    ].join('\n');
    expect(parseTemperatureSdr(stdout)).toEqual([
      { name: 'Inlet Temp', kind: 'inlet', celsius: 22 },
      { name: 'CPU1 Temp', kind: 'cpu', celsius: 45 },
      { name: 'Exhaust Temp', kind: 'other', celsius: 30 },
      { name: 'Temp', kind: 'cpu', celsius: 41 }, // entity 3 = processor
    ]);
  });

  it('reads the short list of older ipmitool releases (no entity column)', () => {
    // NEC Express5800 maintenance guide, `ipmitool sdr type Temperature`.
    const stdout = 'Baseboard Temp4  | 31h | ok  | 45 degrees C\nFnt Pnl Temp     | 35h | ok  | 27 degrees C\nCPU1_DIMM4 Temp  | 43h | ns  | No Reading\n';
    expect(parseTemperatureSdr(stdout)).toEqual([
      { name: 'Baseboard Temp4', kind: 'other', celsius: 45 },
      { name: 'Fnt Pnl Temp', kind: 'inlet', celsius: 27 },
    ]);
  });

  it('converts Fahrenheit and ignores lines that are not readings', () => {
    expect(parseTemperatureSdr('SDRR successfully erased\nAmbient Temp | 30h | ok | 12.1 | 77 degrees F\n')).toEqual([{ name: 'Ambient Temp', kind: 'inlet', celsius: 25 }]);
    expect(parseTemperatureSdr('Err in cmd get sensor sdr info\n')).toEqual([]);
  });

  it('names kinds by sensor name first', () => {
    expect(temperatureKind('Sys Inlet')).toBe('inlet');
    expect(temperatureKind('P1 Therm Margin')).toBe('cpu');
    expect(temperatureKind('CPU Package')).toBe('cpu');
    expect(temperatureKind('PCH Temp')).toBe('other');
    expect(temperatureKind('Board Temp', '64.1')).toBe('inlet');
  });
});

describe('classifyFailure', () => {
  const code = (stderr: string, context: FailureContext = CONTEXT): string => classifyFailure(failed(stderr), context).code;

  it('a wrong password or user is ipmi-auth-failed, not retried, and names what to check', () => {
    const wrongPassword = classifyFailure(failed('Loading IANA PEN Registry...\n> RAKP 2 HMAC is invalid\nError: Unable to establish IPMI v2 / RMCP+ session\n'), CONTEXT);
    expect(wrongPassword).toBeInstanceOf(IpmiError);
    expect(wrongPassword.code).toBe('ipmi-auth-failed');
    expect(wrongPassword.retryable).toBe(false);
    expect(wrongPassword.message).toContain('bmc-rack1');
    expect(wrongPassword.message).toContain('bmc.username');
    expect(code('RAKP 2 message indicates an error : unauthorized name\nError: Unable to establish IPMI v2 / RMCP+ session\n')).toBe('ipmi-auth-failed');
  });

  it('a cipher suite the BMC lacks is ipmi-auth-failed naming bmc.ipmi.cipherSuite', () => {
    const error = classifyFailure(failed('Error in open session response message : invalid authentication algorithm\n\nError: Unable to establish IPMI v2 / RMCP+ session\n'), CONTEXT);
    expect(error.code).toBe('ipmi-auth-failed');
    expect(error.message).toContain('bmc.ipmi.cipherSuite');
  });

  it('a privilege too low for the command is ipmi-auth-failed naming bmc.ipmi.privilege', () => {
    const error = classifyFailure(
      failed('Get HPM.x Capabilities request failed, compcode = d4\nSet Chassis Power Control to Up/On failed: Insufficient privilege level\n'),
      { ...CONTEXT, session: { ...SESSION, privilege: 'USER' } },
    );
    expect(error.code).toBe('ipmi-auth-failed');
    expect(error.message).toContain('bmc.ipmi.privilege');
    expect(error.message).toContain('USER');
  });

  it('a BMC that does not answer is ipmi-unreachable, retryable', () => {
    const error = classifyFailure(
      failed('Loading IANA PEN Registry...\nGet Auth Capabilities error\nError issuing Get Channel Authentication Capabilities request\nError: Unable to establish IPMI v2 / RMCP+ session\n'),
      CONTEXT,
    );
    expect(error.code).toBe('ipmi-unreachable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('10.0.9.7:623');
    expect(code('Address lookup for bmc.invalid failed\nCould not open socket!\nError: Unable to establish IPMI v2 / RMCP+ session\n')).toBe('ipmi-unreachable');
  });

  it('a busy BMC is ipmi-bmc-busy, retryable', () => {
    expect(code('Error in open session response message : insufficient resources for session\n\nError: Unable to establish IPMI v2 / RMCP+ session\n')).toBe('ipmi-bmc-busy');
    const busy = classifyFailure(failed('Set Chassis Power Control to Down/Off failed: Node busy\n'), CONTEXT);
    expect(busy.code).toBe('ipmi-bmc-busy');
    expect(busy.retryable).toBe(true);
  });

  it('no reply to the command once logged in is ipmi-timeout; the kill timer is too', () => {
    expect(code('Unable to set Chassis Power Control to Cycle\n')).toBe('ipmi-timeout');
    const killed = classifyFailure({ ended: 'timeout', exitCode: null, stdout: '', stderr: '', timeoutMs: 30_000 }, CONTEXT);
    expect(killed.code).toBe('ipmi-timeout');
    expect(killed.retryable).toBe(true);
    expect(killed.message).toContain('30000 ms');
  });

  it('a missing ipmitool binary is ipmi-not-configured, not retried', () => {
    const error = classifyFailure({ ended: 'spawn-failed', exitCode: null, stdout: '', stderr: '', spawnError: 'ENOENT' }, CONTEXT, undefined, '/opt/ipmitool');
    expect(error.code).toBe('ipmi-not-configured');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('/opt/ipmitool');
  });

  it('anything else is ipmi-command-failed with ipmitool’s own words, minus the noise lines', () => {
    const error = classifyFailure(failed('Loading IANA PEN Registry...\nGet HPM.x Capabilities request failed, compcode = d4\nInvalid chassis power command: blink\n'), CONTEXT);
    expect(error.code).toBe('ipmi-command-failed');
    expect(error.message).toContain('Invalid chassis power command: blink');
    expect(error.message).not.toContain('HPM');
  });

  it('never repeats the password, even if ipmitool printed it', () => {
    const error = classifyFailure(failed('odd firmware echoed hunter2-secret back\n'), CONTEXT, 'hunter2-secret');
    expect(error.message).not.toContain('hunter2-secret');
    expect(usefulStderr('a hunter2-secret b hunter2-secret', 'hunter2-secret')).toBe('a [redacted] b [redacted]');
  });
});

describe('IpmiPowerDriver before ipmitool runs', () => {
  const driver = new IpmiPowerDriver({ secrets: new InMemorySecretStore({ 'bmc-rack1': 'calvin', 'too-long': 'x'.repeat(21) }), ipmitoolPath: '/nonexistent/ipmitool-never-run' });

  it('supports a node with bmc protocol ipmi, an address, a user and a credential', () => {
    expect(driver.supports('wake', ipmiNode())).toEqual({ supported: true });
    expect(driver.supports('sleep', ipmiNode())).toEqual({ supported: true });
  });

  it.each([
    ['no bmc settings', testNode({ driver: { wake: 'ipmi' } }), 'no bmc settings'],
    ['a redfish BMC', ipmiNode({ protocol: 'redfish' }), 'redfish, not ipmi'],
    ['no user', ipmiNode({ username: undefined }), 'bmc.username is not set'],
    ['no credential', ipmiNode({ credentialRef: undefined }), 'bmc.credentialRef is not set'],
    ['a user name IPMI cannot carry', ipmiNode({ username: 'u'.repeat(17) }), '16 bytes'],
  ])('refuses %s with a reason that says what to set', (_what, node, reason) => {
    const check = driver.supports('wake', node);
    expect(check.supported).toBe(false);
    if (!check.supported) expect(check.reason).toContain(reason);
  });

  it('missing settings are ipmi-not-configured and run nothing', async () => {
    const result = await driver.wake(ipmiNode({ username: undefined }), ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('ipmi-not-configured');
  });

  it('a missing secret is ipmi-credential-missing, not retried, and says where to put it', async () => {
    const result = await driver.powerOff(ipmiNode({ credentialRef: 'bmc-rack9' }), ctx);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('ipmi-credential-missing');
      expect(result.error.retryable).toBe(false);
      expect(result.reason).toContain('bmc-rack9');
    }
  });

  it('a password longer than IPMI 2.0 allows is refused before ipmitool would truncate it', async () => {
    const state = await driver.powerState(ipmiNode({ credentialRef: 'too-long' }), ctx);
    expect(state.ok).toBe(false);
    if (!state.ok) {
      expect(state.error.code).toBe('ipmi-credential-missing');
      expect(state.reason).toContain('20 bytes');
    }
  });

  it('preflight reports the refusal with its code', async () => {
    expect(await driver.preflight('sleep', ipmiNode({ credentialRef: 'bmc-rack9' }), ctx)).toMatchObject({ ready: false, code: 'ipmi-credential-missing' });
    expect(await driver.preflight('sleep', ipmiNode({ protocol: 'redfish' }), ctx)).toMatchObject({ ready: false, code: 'ipmi-not-configured' });
  });

  it('refuses nonsense options at construction', () => {
    expect(() => new IpmiPowerDriver({ secrets: new InMemorySecretStore(), attempts: 0 })).toThrow('attempts');
    expect(() => new IpmiPowerDriver({ secrets: new InMemorySecretStore(), replyTimeoutSeconds: 0.5 })).toThrow('replyTimeoutSeconds');
  });
});
