import { ScriptPowerDriver, ScriptRun, parseStatusWord, scriptEnvironment, scriptOutcome, scrubSecret } from './script.driver';
import { InMemorySecretStore } from './secret-store';
import { testNode } from './testing/test-node';

const script = { path: '/opt/somnus/plug.sh', timeoutSeconds: 30 };
const exited = (exitCode: number | null, stdout = '', extra: Partial<ScriptRun> = {}): ScriptRun => ({ ended: 'exit', exitCode, signal: null, stdout, stderr: '', ...extra });

describe('scriptOutcome (the exit-code contract)', () => {
  it('exit 0 is done', () => {
    expect(scriptOutcome('wake', exited(0), script)).toEqual({ ok: true });
  });

  it.each([
    [2, 'script-refused', false],
    [3, 'script-busy', true],
    [1, 'script-failed', true],
    [4, 'script-failed', true],
    [127, 'script-failed', true],
  ])('exit %i is %s (retryable: %s)', (code, errorCode, retryable) => {
    const outcome = scriptOutcome('sleep', exited(code), script);
    expect(outcome).toMatchObject({ ok: false, error: { code: errorCode, retryable } });
  });

  it('a script killed by a signal failed and may be retried', () => {
    const outcome = scriptOutcome('sleep', exited(null, '', { signal: 'SIGSEGV' }), script);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'script-failed', retryable: true } });
    expect(!outcome.ok && outcome.error.message).toContain('SIGSEGV');
  });

  it('a timeout is retryable, a script that cannot be started is not', () => {
    expect(scriptOutcome('wake', { ...exited(null), ended: 'timeout' }, script)).toMatchObject({ ok: false, error: { code: 'script-timeout', retryable: true } });
    const spawn = scriptOutcome('wake', { ...exited(null), ended: 'spawn-failed', spawnError: 'EACCES' }, script);
    expect(spawn).toMatchObject({ ok: false, error: { code: 'script-not-executable', retryable: false } });
    expect(!spawn.ok && spawn.error.message).toContain('EACCES');
  });

  it('puts the output in the message', () => {
    const outcome = scriptOutcome('wake', exited(1, 'out text\n', { stderr: 'err text\n' }), script);
    expect(!outcome.ok && outcome.error.message).toBe('/opt/somnus/plug.sh wake failed with exit code 1; stdout: out text; stderr: err text');
  });

  it('status reads on / off / unknown from the first word, and refuses anything else', () => {
    expect(scriptOutcome('status', exited(0, '  On\nsince 10:00'), script)).toEqual({ ok: true, state: 'on' });
    expect(scriptOutcome('status', exited(0, 'off'), script)).toEqual({ ok: true, state: 'off' });
    expect(scriptOutcome('status', exited(0, 'unknown'), script)).toEqual({ ok: true, state: 'unknown' });
    expect(scriptOutcome('status', exited(0, 'standby'), script)).toMatchObject({ ok: false, error: { code: 'script-bad-status', retryable: false } });
    expect(scriptOutcome('status', exited(0, ''), script)).toMatchObject({ ok: false, error: { code: 'script-bad-status' } });
    expect(scriptOutcome('status', exited(2, 'on'), script)).toMatchObject({ ok: false, error: { code: 'script-refused' } });
    expect(parseStatusWord('offline')).toBeNull();
  });
});

describe('the script environment', () => {
  it('holds the node and command, a minimal PATH, and nothing else', () => {
    const node = testNode({ name: 'gpu-3', ip: undefined, bmc: { protocol: 'redfish', address: 'bmc-3.lab' } });
    const env = scriptEnvironment('power-off', node, { commandId: 'c1', attempt: 3 });
    expect(env).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      SOMNUS_ACTION: 'power-off',
      SOMNUS_NODE_ID: node.id,
      SOMNUS_NODE_NAME: 'gpu-3',
      SOMNUS_NODE_MAC: '52:54:00:12:34:56',
      SOMNUS_NODE_IP: '',
      SOMNUS_BMC_ADDRESS: 'bmc-3.lab',
      SOMNUS_COMMAND_ID: 'c1',
      SOMNUS_ATTEMPT: '3',
    });
  });
});

describe('scrubSecret', () => {
  it('replaces every occurrence', () => {
    expect(scrubSecret('a s3cret b s3cret', 's3cret')).toBe('a [secret] b [secret]');
    expect(scrubSecret('nothing here', undefined)).toBe('nothing here');
  });
});

describe('ScriptPowerDriver.supports', () => {
  const driver = new ScriptPowerDriver({ secrets: new InMemorySecretStore() });

  it('refuses without driver.script settings, naming what to set', () => {
    const check = driver.supports('wake', testNode({ driver: { wake: 'script' } }));
    expect(check).toEqual({ supported: false, reason: expect.stringContaining('driver.script.path') });
  });

  it('refuses a relative path', () => {
    const node = testNode({ driver: { wake: 'script', script: { path: '/ok.sh' } } });
    const relative = { ...node, driver: { ...node.driver, script: { path: 'bin/plug.sh', timeoutSeconds: 60 } } };
    expect(driver.supports('wake', relative)).toEqual({ supported: false, reason: expect.stringContaining('relative') });
    expect(driver.supports('wake', node)).toEqual({ supported: true });
  });
});
