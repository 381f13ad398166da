import { PowerDriverRegistry } from '../drivers/power-driver.port';
import { PreSleepHookFailedError, SshCommandFailedError } from '../drivers/ssh-errors';
import { testNode } from '../drivers/testing/test-node';
import { NodeActionLocks } from './recent-commands';
import { PowerRateLimits } from './rate-limiter';
import { SleepVerification } from './sleep-verifier';
import { SleepNodeUseCase, SleepObserver } from './sleep-node.use-case';
import { FakeClock } from '@somnus/testing';
import { ScriptedDriver, ScriptedSend, ScriptedSleepVerifier } from './testing/fakes';

function setup(options: { sends?: ScriptedSend[]; verification?: SleepVerification; suspendsPerMinute?: number; locks?: NodeActionLocks } = {}) {
  const clock = new FakeClock();
  const ssh = new ScriptedDriver('ssh', options.sends);
  const verifier = new ScriptedSleepVerifier(options.verification ?? { asleep: true, elapsedMs: 4_000 });
  const limits = new PowerRateLimits(options.suspendsPerMinute === undefined ? {} : { suspendsPerMinute: options.suspendsPerMinute }, () => clock.now());
  const useCase = new SleepNodeUseCase({ drivers: new PowerDriverRegistry([ssh]), limits, verifier, clock, locks: options.locks });
  const events: string[] = [];
  const observer: SleepObserver = {
    sleeping: (e) => void events.push(`sleeping ${e.action} via ${e.driver}`),
    slept: (e) => void events.push(`slept ${e.action}`),
    sleepFailed: (e) => void events.push(`sleep-failed ${e.errorCode}`),
    refused: (e) => void events.push(`refused ${e.action}`),
  };
  return { clock, ssh, verifier, useCase, events, observer };
}

describe('SleepNodeUseCase', () => {
  it('sends the sleep through the node driver and confirms the node went quiet', async () => {
    const { useCase, observer, events, ssh } = setup();
    const result = await useCase.execute({ commandId: 's1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'slept', action: 'sleep', driver: 'ssh', errorCode: null });
    expect(result.reason).toContain('stopped answering after 4 s');
    expect(events).toEqual(['sleeping sleep via ssh', 'slept sleep']);
    expect(ssh.calls.map((c) => c.action)).toEqual(['sleep']);
  });

  it('powers off when asked to', async () => {
    const { useCase, ssh } = setup();
    expect(await useCase.execute({ commandId: 's1', node: testNode(), action: 'power-off' })).toMatchObject({ outcome: 'slept', action: 'power-off' });
    expect(ssh.calls.map((c) => c.action)).toEqual(['power-off']);
  });

  it('leaves the node awake, with the hook named, when a pre-sleep hook fails', async () => {
    const hookFailure = new PreSleepHookFailedError('node-a', 'drain-gpu', new SshCommandFailedError('node-a', 'pre-sleep hook "drain-gpu"', 3, ''));
    const { useCase, observer, events, verifier } = setup({ sends: [hookFailure] });
    const result = await useCase.execute({ commandId: 's1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'sleep-failed', errorCode: 'pre-sleep-hook-failed' });
    expect(result.reason).toContain('"drain-gpu"');
    expect(events).toEqual(['sleeping sleep via ssh', 'sleep-failed pre-sleep-hook-failed']);
    expect(verifier.calls).toBe(0);
  });

  it('reports a node that keeps answering as still awake', async () => {
    const { useCase, observer, events } = setup({ verification: { asleep: false, reason: 'node-a still answers on 10.0.1.17:22 60 s after it was told to sleep', elapsedMs: 60_000 } });
    const result = await useCase.execute({ commandId: 's1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'sleep-failed', errorCode: 'still-awake' });
    expect(events.at(-1)).toBe('sleep-failed still-awake');
  });

  it('refuses above the suspend rate (60 per minute by default)', async () => {
    const { useCase, ssh } = setup();
    const outcomes = [];
    for (let i = 0; i < 61; i++) outcomes.push((await useCase.execute({ commandId: `s${i}`, node: testNode({ name: `n-${i}` }) })).outcome);
    expect(outcomes.filter((o) => o === 'slept')).toHaveLength(60);
    expect(outcomes.at(-1)).toBe('refused');
    expect(ssh.calls).toHaveLength(60);
  });

  it('refuses a node whose settings say it cannot be put to sleep', async () => {
    const { useCase, observer, events } = setup();
    const result = await useCase.execute({ commandId: 's1', node: testNode({ driver: { sleep: 'none' } }) }, observer);
    expect(result).toMatchObject({ outcome: 'refused', errorCode: 'driver-not-available' });
    expect(result.reason).toContain('driver.sleep = none');
    expect(events).toEqual(['refused sleep']);
  });

  it('performs one sleep for a command delivered twice', async () => {
    const { useCase, ssh, events, observer } = setup();
    ssh.hold = true;
    const node = testNode();
    const first = useCase.execute({ commandId: 's1', node }, observer);
    const second = useCase.execute({ commandId: 's1', node }, observer);
    ssh.release();
    expect((await second).duplicate).toBe(true);
    expect((await first).duplicate).toBe(false);
    expect(ssh.calls).toHaveLength(1);
    expect(events).toEqual(['sleeping sleep via ssh', 'slept sleep']);
  });

  it('refuses to put a waking node to sleep', async () => {
    const locks = new NodeActionLocks();
    const node = testNode();
    locks.tryLock(node.id, 'wake', 'w1');
    const { useCase, ssh } = setup({ locks });
    const result = await useCase.execute({ commandId: 's1', node });
    expect(result).toMatchObject({ outcome: 'refused', errorCode: 'node-busy' });
    expect(ssh.calls).toHaveLength(0);
  });
});
