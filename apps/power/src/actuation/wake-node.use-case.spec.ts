import fc from 'fast-check';
import { PowerDriverError, PowerDriverRegistry } from '../drivers/power-driver.port';
import { HostKeyMismatchError } from '../drivers/ssh-errors';
import { testNode } from '../drivers/testing/test-node';
import { NodeActionLocks } from './recent-commands';
import { PowerRateLimits } from './rate-limiter';
import { FakeClock } from '@somnus/testing';
import { NOT_VERIFIED, ScriptedDriver, ScriptedSend, ScriptedWakeVerifier, VERIFIED } from './testing/fakes';
import { WakeVerification } from './wake-verifier';
import { WakeNodeUseCase, WakeObserver } from './wake-node.use-case';

const retryPolicy = { maxAttempts: 3, baseDelayMs: 5_000, factor: 2, maxDelayMs: 60_000 };

function setup(options: { sends?: ScriptedSend[]; verifications?: WakeVerification[]; limits?: ConstructorParameters<typeof PowerRateLimits>[0]; locks?: NodeActionLocks } = {}) {
  const clock = new FakeClock();
  const wol = new ScriptedDriver('wol', options.sends);
  const verifier = new ScriptedWakeVerifier(options.verifications ?? [VERIFIED]);
  const limits = new PowerRateLimits(options.limits ?? {}, () => clock.now());
  const errors: string[] = [];
  const useCase = new WakeNodeUseCase({
    drivers: new PowerDriverRegistry([wol]),
    limits,
    verifier,
    clock,
    retryPolicy,
    locks: options.locks,
    onObserverError: (_error, callback) => errors.push(callback),
  });
  const events: string[] = [];
  const observer: WakeObserver = {
    attemptStarted: (e) => void events.push(`waking#${e.attempt}/${e.maxAttempts}`),
    attemptFailed: (e) => void events.push(`failed#${e.attempt} retry in ${e.retryInMs}`),
    woke: (e) => void events.push(`woke#${e.attempt} by ${e.verifiedBy.join('+')}`),
    wakeFailed: (e) => void events.push(`wake-failed#${e.attempt} ${e.errorCode}`),
    refused: (e) => void events.push(`refused ${e.reason}`),
  };
  return { clock, wol, verifier, limits, useCase, events, observer, errors };
}

describe('WakeNodeUseCase', () => {
  it('wakes, verifies and reports one attempt', async () => {
    const { useCase, observer, events, wol } = setup();
    const result = await useCase.execute({ commandId: 'c1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'woke', attempts: 1, driver: 'wol', verifiedBy: ['tcp'], duplicate: false });
    expect(events).toEqual(['waking#1/3', 'woke#1 by tcp']);
    expect(wol.calls.map((c) => [c.action, c.ctx.commandId, c.ctx.attempt])).toEqual([['wake', 'c1', 1]]);
  });

  it('retries with backoff until verified', async () => {
    const { useCase, observer, events, clock, wol } = setup({ verifications: [NOT_VERIFIED, NOT_VERIFIED, VERIFIED] });
    const result = await useCase.execute({ commandId: 'c1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'woke', attempts: 3 });
    expect(events).toEqual(['waking#1/3', 'failed#1 retry in 5000', 'waking#2/3', 'failed#2 retry in 10000', 'waking#3/3', 'woke#3 by tcp']);
    expect(clock.sleeps).toEqual([5_000, 10_000]);
    expect(wol.calls).toHaveLength(3);
  });

  it('ends wake-failed after the last attempt, never left waking', async () => {
    const { useCase, observer, events } = setup({ verifications: [NOT_VERIFIED] });
    const result = await useCase.execute({ commandId: 'c1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'wake-failed', attempts: 3, errorCode: 'not-verified' });
    expect(result.reason).toContain('gave up after 3 attempts');
    expect(events.at(-1)).toBe('wake-failed#3 not-verified');
  });

  it('retries a failed send as well as a failed verification', async () => {
    const { useCase, observer, events } = setup({ sends: [new PowerDriverError('wol-send-failed', 'ENETUNREACH', true), 'ok'] });
    expect(await useCase.execute({ commandId: 'c1', node: testNode() }, observer)).toMatchObject({ outcome: 'woke', attempts: 2 });
    expect(events).toEqual(['waking#1/3', 'failed#1 retry in 5000', 'waking#2/3', 'woke#2 by tcp']);
  });

  it('does not retry what retrying cannot fix (a changed host key)', async () => {
    const mismatch = new HostKeyMismatchError('node-a', 'SHA256:pinned', 'SHA256:presented');
    const { useCase, observer, events } = setup({ verifications: [{ verified: false, stage: 'ssh', reason: mismatch.message, permanent: true, error: mismatch, elapsedMs: 0 }] });
    const result = await useCase.execute({ commandId: 'c1', node: testNode() }, observer);
    expect(result).toMatchObject({ outcome: 'wake-failed', attempts: 1, errorCode: 'host-key-mismatch' });
    expect(events).toEqual(['waking#1/3', 'wake-failed#1 host-key-mismatch']);
  });

  it('refuses, naming the driver, when the node asks for one that is missing, without using the resume rate', async () => {
    const { useCase, observer, events, limits } = setup();
    const result = await useCase.execute({ commandId: 'c1', node: testNode({ driver: { wake: 'redfish' } }) }, observer);
    expect(result).toMatchObject({ outcome: 'refused', attempts: 0, errorCode: 'driver-not-available', driver: 'redfish' });
    expect(events[0]).toContain('"redfish"');
    expect(limits.resumes.used).toBe(0);
  });

  it('refuses above the resume rate and says when to retry', async () => {
    const { useCase, observer, clock } = setup({ limits: { resumesPerMinute: 2 } });
    for (const id of ['a', 'b']) expect((await useCase.execute({ commandId: id, node: testNode({ name: `n-${id}` }) }, observer)).outcome).toBe('woke');
    const refused = await useCase.execute({ commandId: 'c', node: testNode({ name: 'n-c' }) }, observer);
    expect(refused).toMatchObject({ outcome: 'refused', errorCode: 'rate-limited', retryAtMs: clock.now() + 60_000 });
  });

  it('releases the concurrent-wake slot when a wake ends, however it ends', async () => {
    const { useCase, limits } = setup({ limits: { concurrentWakes: 1 }, verifications: [NOT_VERIFIED] });
    expect((await useCase.execute({ commandId: 'a', node: testNode({ name: 'n-a' }) })).outcome).toBe('wake-failed');
    expect(limits.wakesInProgress.inUse).toBe(0);
    expect((await useCase.execute({ commandId: 'b', node: testNode({ name: 'n-b' }) })).outcome).toBe('wake-failed');
  });

  it('refuses a second wake while the concurrent-wake cap is full', async () => {
    const { useCase, wol } = setup({ limits: { concurrentWakes: 1 } });
    wol.hold = true;
    const first = useCase.execute({ commandId: 'a', node: testNode({ name: 'n-a' }) });
    await Promise.resolve();
    const second = await useCase.execute({ commandId: 'b', node: testNode({ name: 'n-b' }) });
    expect(second).toMatchObject({ outcome: 'refused', retryAtMs: null });
    expect(second.reason).toContain('concurrent wakes');
    wol.release();
    expect((await first).outcome).toBe('woke');
  });

  describe('idempotency', () => {
    it('performs one wake for the same command id delivered twice at once', async () => {
      const { useCase, observer, events, wol } = setup();
      wol.hold = true;
      const node = testNode();
      const first = useCase.execute({ commandId: 'c1', node }, observer);
      const second = useCase.execute({ commandId: 'c1', node }, observer);
      wol.release();
      const [a, b] = await Promise.all([first, second]);
      expect(wol.calls).toHaveLength(1);
      expect([a.duplicate, b.duplicate]).toEqual([false, true]);
      expect(b.outcome).toBe(a.outcome);
      expect(events).toEqual(['waking#1/3', 'woke#1 by tcp']);
    });

    it('answers a late redelivery from the finished result', async () => {
      const { useCase, wol } = setup();
      const node = testNode();
      await useCase.execute({ commandId: 'c1', node });
      const again = await useCase.execute({ commandId: 'c1', node });
      expect(again).toMatchObject({ outcome: 'woke', duplicate: true });
      expect(wol.calls).toHaveLength(1);
    });

    it('joins a wake of the same node already in progress under another id', async () => {
      const { useCase, wol } = setup();
      wol.hold = true;
      const node = testNode();
      const first = useCase.execute({ commandId: 'c1', node });
      await Promise.resolve();
      const second = useCase.execute({ commandId: 'c2', node });
      wol.release();
      expect(await second).toMatchObject({ outcome: 'woke', commandId: 'c1', duplicate: true });
      expect((await first).duplicate).toBe(false);
      expect(wol.calls).toHaveLength(1);
    });

    it('refuses to wake a node that is being put to sleep', async () => {
      const locks = new NodeActionLocks();
      const node = testNode();
      const sleeping = locks.tryLock(node.id, 'sleep', 's1');
      const { useCase, wol } = setup({ locks });
      const result = await useCase.execute({ commandId: 'c1', node });
      expect(result).toMatchObject({ outcome: 'refused', errorCode: 'node-busy' });
      expect(result.reason).toContain('sleep in progress (command s1)');
      expect(wol.calls).toHaveLength(0);
      if (sleeping.ok) sleeping.unlock();
    });
  });

  it('keeps going when an observer throws, and reports it', async () => {
    const { useCase, errors } = setup();
    const result = await useCase.execute(
      { commandId: 'c1', node: testNode() },
      {
        attemptStarted: () => {
          throw new Error('bus down');
        },
      },
    );
    expect(result.outcome).toBe('woke');
    expect(errors).toEqual(['attemptStarted']);
  });

  it('always ends in exactly one terminal report, within the attempt budget (random failures)', async () => {
    const outcome = fc.constantFrom<'ok' | 'send-fails' | 'not-verified' | 'permanent'>('ok', 'send-fails', 'not-verified', 'permanent');
    await fc.assert(
      fc.asyncProperty(fc.array(outcome, { minLength: 1, maxLength: 5 }), async (script) => {
        const sends: ScriptedSend[] = script.map((s) => (s === 'send-fails' ? new PowerDriverError('wol-send-failed', 'lost', true) : 'ok'));
        const verifications: WakeVerification[] = script.map((s) =>
          s === 'ok' ? VERIFIED : s === 'permanent' ? { ...NOT_VERIFIED, permanent: true } : NOT_VERIFIED,
        );
        // Verifications are consumed only on sends that succeed; line them up with the sends.
        const verifyScript = verifications.filter((_, i) => script[i] !== 'send-fails');
        const { useCase, observer, events } = setup({ sends, verifications: verifyScript.length ? verifyScript : [NOT_VERIFIED] });
        const result = await useCase.execute({ commandId: 'p', node: testNode() }, observer);
        const terminal = events.filter((e) => e.startsWith('woke') || e.startsWith('wake-failed'));
        expect(terminal).toHaveLength(1);
        expect(events.at(-1)).toBe(terminal[0]);
        expect(events.filter((e) => e.startsWith('waking'))).toHaveLength(result.attempts);
        expect(result.attempts).toBeLessThanOrEqual(retryPolicy.maxAttempts);
        expect(result.outcome).toBe(terminal[0]!.startsWith('woke') ? 'woke' : 'wake-failed');
      }),
      { numRuns: 200 },
    );
  });
});
