// The script driver running real executables from a temporary directory: the exit-code contract, the secret
// on stdin only, the minimal environment, bounded and scrubbed output, and a timeout that kills the whole group.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScriptPowerDriver } from './script.driver';
import { InMemorySecretStore } from './secret-store';
import { DriverResult } from './power-driver.port';
import { testNode } from './testing/test-node';

const SECRET = 'hunter2-correct-horse';
const ctx = { commandId: 'cmd-42', attempt: 2 };

let dir: string;
const driver = new ScriptPowerDriver({ secrets: new InMemorySecretStore({ 'plug-token': SECRET }), killGraceMs: 500 });

async function script(name: string, body: string, mode = 0o700): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, mode);
  return path;
}

function nodeWith(path: string, extra: { timeoutSeconds?: number; secretRef?: string } = {}) {
  return testNode({
    name: 'gpu-7',
    bmc: { protocol: 'ipmi', address: '10.0.9.7' },
    driver: { wake: 'script', sleep: 'script', script: { path, timeoutSeconds: extra.timeoutSeconds ?? 10, secretRef: extra.secretRef }, preSleepHooks: [] },
  });
}

/** Polls `check` every 25 ms until it returns a value, for at most `ms`. */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 10_000; i++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; it has finished all the same.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

function failed(result: DriverResult): Extract<DriverResult, { ok: false }> {
  if (result.ok) throw new Error(`expected a failure, got: ${result.detail}`);
  return result;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'somnus-script-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ScriptPowerDriver with real scripts', () => {
  it('passes action and node name as argv and reports exit 0 as done, with its output', async () => {
    const path = await script('ok.sh', 'echo "did $1 for $2 ($SOMNUS_ACTION, attempt $SOMNUS_ATTEMPT of $SOMNUS_COMMAND_ID)"; echo "a warning" >&2; exit 0');
    const result = await driver.wake(nodeWith(path), ctx);
    expect(result).toMatchObject({ ok: true, driver: 'script' });
    if (!result.ok) return;
    expect(result.detail).toContain('did wake for gpu-7 (wake, attempt 2 of cmd-42)');
    expect(result.detail).toContain('stderr: a warning');

    const off = await driver.powerOff(nodeWith(path), ctx);
    expect(off.ok && off.detail).toContain('did power-off for gpu-7');
  });

  it('treats exit 2 as refused (not retryable), 3 as busy and others as failed (both retryable)', async () => {
    const refused = failed(await driver.sleep(nodeWith(await script('refuse.sh', 'echo "no such outlet" >&2; exit 2')), ctx));
    expect(refused.error).toMatchObject({ code: 'script-refused', retryable: false });
    expect(refused.reason).toContain('no such outlet');

    const busy = failed(await driver.sleep(nodeWith(await script('busy.sh', 'exit 3')), ctx));
    expect(busy.error).toMatchObject({ code: 'script-busy', retryable: true });

    const broken = failed(await driver.sleep(nodeWith(await script('fail.sh', 'echo "PDU said 500"; exit 7')), ctx));
    expect(broken.error).toMatchObject({ code: 'script-failed', retryable: true });
    expect(broken.reason).toMatch(/exit code 7.*PDU said 500/);
  });

  it('reads the power state from the first word of stdout', async () => {
    const on = await driver.powerState(nodeWith(await script('status-on.sh', '[ "$1" = status ] && echo "ON since boot"')), ctx);
    expect(on).toMatchObject({ ok: true, state: 'on' });
    const off = await driver.powerState(nodeWith(await script('status-off.sh', 'echo off')), ctx);
    expect(off).toMatchObject({ ok: true, state: 'off' });
    const garbled = await driver.powerState(nodeWith(await script('status-bad.sh', 'echo maybe')), ctx);
    expect(garbled).toMatchObject({ ok: false, error: { code: 'script-bad-status' } });
  });

  it('hands the secret on stdin only: not in argv or the environment, and scrubbed from the output', async () => {
    const ready = join(dir, 'secret.pid');
    const go = join(dir, 'secret.go');
    const path = await script(
      'secret.sh',
      [
        'read -r secret',
        `echo $$ > ${ready}`,
        // Waits (bounded) for the test to have read /proc, so the process is alive while it is inspected.
        `i=0; while [ ! -e ${go} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`,
        'echo "token is $secret"',
        `[ "$secret" = "${SECRET}" ] && echo "secret matched"`,
      ].join('\n'),
    );
    process.env.SOMNUS_SERVICE_ONLY = 'must-not-leak';
    try {
      const running = driver.wake(nodeWith(path, { secretRef: 'plug-token' }), ctx);
      const pid = Number(await until('the script to start', async () => (existsSync(ready) ? (await readFile(ready, 'utf8')).trim() || undefined : undefined)));
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
      await writeFile(go, '');
      const result = await running;

      expect(cmdline.slice(-3)).toEqual([path, 'wake', 'gpu-7']);
      expect(cmdline.join(' ')).not.toContain(SECRET);
      expect(environ.join('\n')).not.toContain(SECRET);
      const names = environ.map((entry) => entry.split('=')[0]);
      expect(names).not.toContain('SOMNUS_SERVICE_ONLY');
      expect(names).not.toContain('HOME');
      expect(environ).toEqual(
        expect.arrayContaining([
          'SOMNUS_NODE_NAME=gpu-7',
          'SOMNUS_NODE_MAC=52:54:00:12:34:56',
          'SOMNUS_NODE_IP=10.0.1.17',
          'SOMNUS_BMC_ADDRESS=10.0.9.7',
          'SOMNUS_COMMAND_ID=cmd-42',
          'SOMNUS_ATTEMPT=2',
          'SOMNUS_ACTION=wake',
          expect.stringMatching(/^SOMNUS_NODE_ID=[0-9a-f-]{36}$/),
          expect.stringMatching(/^PATH=\/usr\/local\/sbin:/),
        ]),
      );
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.detail).toContain('secret matched');
      expect(result.detail).toContain('token is [secret]');
      expect(result.detail).not.toContain(SECRET);
    } finally {
      delete process.env.SOMNUS_SERVICE_ONLY;
    }
  });

  it('kills the whole process group on timeout, SIGKILL after SIGTERM is ignored', async () => {
    const childPid = join(dir, 'child.pid');
    // Both the script and its child ignore SIGTERM (an ignored signal is inherited across exec).
    const path = await script('hang.sh', `trap '' TERM\nsleep 300 &\necho $! > ${childPid}\necho started\nwait`);
    const result = failed(await driver.wake(nodeWith(path, { timeoutSeconds: 0.5 }), ctx));
    expect(result.error).toMatchObject({ code: 'script-timeout', retryable: true });
    expect(result.reason).toContain('started');
    const pid = Number((await readFile(childPid, 'utf8')).trim());
    expect(pid).toBeGreaterThan(1);
    await until(`the script's child ${pid} to be killed`, () => (alive(pid) ? undefined : true));
  });

  it('keeps output bounded', async () => {
    const bounded = new ScriptPowerDriver({ secrets: new InMemorySecretStore(), maxOutputBytes: 1024 });
    const result = await bounded.wake(nodeWith(await script('chatty.sh', 'i=0; while [ $i -lt 2000 ]; do echo "line $i of chatter"; i=$((i+1)); done')), ctx);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.detail).toContain('truncated at 1024 bytes');
    expect(result.detail.length).toBeLessThan(1400);
  });

  it('stops the script when the service aborts', async () => {
    const controller = new AbortController();
    const path = await script('slow.sh', 'sleep 30');
    const running = driver.wake(nodeWith(path), { ...ctx, signal: controller.signal });
    controller.abort();
    expect(failed(await running).error).toMatchObject({ code: 'script-aborted' });
  });

  it('preflight checks the file, its permissions and the secret', async () => {
    const ok = await script('pre-ok.sh', 'exit 0');
    expect(await driver.preflight('wake', nodeWith(ok, { secretRef: 'plug-token' }), ctx)).toEqual({ ready: true });
    expect(await driver.preflight('wake', nodeWith(join(dir, 'absent.sh')), ctx)).toMatchObject({ ready: false, code: 'script-not-found' });
    expect(await driver.preflight('wake', nodeWith(await script('pre-noexec.sh', 'exit 0', 0o600)), ctx)).toMatchObject({ ready: false, code: 'script-not-executable' });
    expect(await driver.preflight('wake', nodeWith(await script('pre-open.sh', 'exit 0', 0o777)), ctx)).toMatchObject({ ready: false, code: 'script-insecure' });
    expect(await driver.preflight('wake', nodeWith(ok, { secretRef: 'nope' }), ctx)).toMatchObject({ ready: false, code: 'script-secret-missing' });
    expect(await driver.preflight('wake', nodeWith(dir), ctx)).toMatchObject({ ready: false, code: 'script-not-found' });
    // The action refuses the same way, without running anything.
    expect(failed(await driver.wake(nodeWith(join(dir, 'absent.sh')), ctx)).error).toMatchObject({ code: 'script-not-found', retryable: false });
  });
});
