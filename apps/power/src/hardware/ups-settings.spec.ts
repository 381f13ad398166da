import { UpsSettingsError, parseUpsSettings, parseUpsTarget, targetsByServer } from './ups-settings';

describe('parseUpsTarget (NUT notation)', () => {
  it('reads name@host with the default port', () => {
    expect(parseUpsTarget('rack1@10.0.0.5')).toEqual({ name: 'rack1', host: '10.0.0.5', port: 3493, id: 'rack1@10.0.0.5:3493' });
  });

  it('reads a port, a host name and a bracketed IPv6 address', () => {
    expect(parseUpsTarget(' ups_2.a@nut.lab.example:3494 ')).toEqual({ name: 'ups_2.a', host: 'nut.lab.example', port: 3494, id: 'ups_2.a@nut.lab.example:3494' });
    expect(parseUpsTarget('edge@[fd00::5]')).toEqual({ name: 'edge', host: 'fd00::5', port: 3493, id: 'edge@[fd00::5]:3493' });
    expect(parseUpsTarget('edge@[::1]:1234')).toMatchObject({ host: '::1', port: 1234 });
  });

  it.each([
    ['rack1', 'has no host'],
    ['@10.0.0.5', 'is not a UPS name'],
    ['rack 1@10.0.0.5', 'is not a UPS name'],
    ['rack1@', 'is not a host name'],
    ['rack1@bad_host!', 'is not a host name'],
    ['rack1@10.0.0.5:0', 'must be a number from 1 to 65535'],
    ['rack1@10.0.0.5:70000', 'must be a number from 1 to 65535'],
    ['rack1@10.0.0.5:http', 'must be a number'],
    ['rack1@fd00::5', 'in brackets'],
    ['rack1@[fd00::5', 'closing "]"'],
    ['rack1@[nut.lab]', 'not an IPv6 address'],
    ['rack1@[fd00::5]x', 'only ":<port>"'],
  ])('refuses %s, saying it %s', (text, message) => {
    expect(() => parseUpsTarget(text)).toThrow(UpsSettingsError);
    expect(() => parseUpsTarget(text)).toThrow(message);
  });
});

describe('parseUpsSettings', () => {
  it('watches nothing without SOMNUS_UPS, with the defaults', () => {
    expect(parseUpsSettings({})).toEqual({ targets: [], pollMs: 10_000, minRuntimeSeconds: 300 });
  });

  it('reads several UPSes, the credential and the thresholds', () => {
    const settings = parseUpsSettings({
      SOMNUS_UPS: 'rack1@10.0.0.5, rack2@10.0.0.5,edge@nut.lab:3494',
      SOMNUS_UPS_USERNAME: 'monuser',
      SOMNUS_UPS_CREDENTIAL_REF: 'nut-monuser',
      SOMNUS_UPS_POLL_MS: '5000',
      SOMNUS_UPS_MIN_RUNTIME_SECONDS: '600',
    });
    expect(settings.targets.map((t) => t.id)).toEqual(['rack1@10.0.0.5:3493', 'rack2@10.0.0.5:3493', 'edge@nut.lab:3494']);
    expect(settings.credential).toEqual({ username: 'monuser', passwordRef: 'nut-monuser' });
    expect(settings).toMatchObject({ pollMs: 5000, minRuntimeSeconds: 600 });
    expect([...targetsByServer(settings.targets).entries()].map(([server, group]) => [server, group.targets.map((t) => t.name)])).toEqual([
      ['10.0.0.5:3493', ['rack1', 'rack2']],
      ['nut.lab:3494', ['edge']],
    ]);
  });

  it.each([
    [{ SOMNUS_UPS: 'rack1@h,,rack2@h' }, 'empty entry at position 2'],
    [{ SOMNUS_UPS: 'rack1@h,rack1@h:3493' }, 'names rack1@h:3493 twice'],
    [{ SOMNUS_UPS_USERNAME: 'monuser' }, 'without SOMNUS_UPS_CREDENTIAL_REF'],
    [{ SOMNUS_UPS_CREDENTIAL_REF: 'nut' }, 'without SOMNUS_UPS_USERNAME'],
    [{ SOMNUS_UPS_USERNAME: 'mon user', SOMNUS_UPS_CREDENTIAL_REF: 'nut' }, 'is not a upsd.users user name'],
    [{ SOMNUS_UPS_USERNAME: 'monuser', SOMNUS_UPS_CREDENTIAL_REF: 'my password!' }, 'not hold the password itself'],
    [{ SOMNUS_UPS_POLL_MS: '10s' }, 'SOMNUS_UPS_POLL_MS="10s" must be a whole number'],
    [{ SOMNUS_UPS_POLL_MS: '10' }, 'from 1000'],
    [{ SOMNUS_UPS_MIN_RUNTIME_SECONDS: '-1' }, 'SOMNUS_UPS_MIN_RUNTIME_SECONDS'],
  ])('refuses %j with a message that says what to fix', (env, message) => {
    expect(() => parseUpsSettings(env)).toThrow(UpsSettingsError);
    expect(() => parseUpsSettings(env)).toThrow(message);
  });

  it('never echoes a password written where the reference belongs', () => {
    expect(() => parseUpsSettings({ SOMNUS_UPS_USERNAME: 'monuser', SOMNUS_UPS_CREDENTIAL_REF: 'hunter 2' })).not.toThrow('hunter 2');
  });
});
