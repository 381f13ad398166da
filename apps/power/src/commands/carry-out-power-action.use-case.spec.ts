import { createEnvelope, WakeNode, NodeSleeping, NodeSlept, NodeWakeFailed, NodeWaking, NodeWoke, PowerActionRefused, type PowerState } from '@somnus/contracts';
import { FakeClock, FakeTransactions } from '@somnus/testing';
import { NodeActionLocks } from '../actuation/recent-commands';
import { PowerRateLimits } from '../actuation/rate-limiter';
import { SleepNodeUseCase } from '../actuation/sleep-node.use-case';
import { NOT_VERIFIED, ScriptedDriver, ScriptedSleepVerifier, ScriptedWakeVerifier, VERIFIED } from '../actuation/testing/fakes';
import { WakeNodeUseCase } from '../actuation/wake-node.use-case';
import type { WakeVerification } from '../actuation/wake-verifier';
import { PowerDriverRegistry } from '../drivers/power-driver.port';
import { testNode } from '../drivers/testing/test-node';
import type { SleepReadiness } from '../preflight/check-sleep-readiness.use-case';
import type { PowerActionOutcome } from '../persistence/power-action.entity';
import { CarryOutPowerActionUseCase } from './carry-out-power-action.use-case';
import type { PowerActionRepository, PowerCommandEnvelope, RecordedAction } from './power-action.repository';

/** The actions table in memory, with the same claim-once rule. */
class InMemoryPowerActions implements PowerActionRepository {
  readonly rows = new Map<string, { action: string; outcome: PowerActionOutcome; detail: string | null; driver: string | null; attempts: number }>();
  private readonly claimed = new Set<string>();

  async claim(consumer: string, envelope: PowerCommandEnvelope, action: string): Promise<boolean> {
    const key = `${consumer}/${envelope.id}`;
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    this.rows.set(envelope.id, { action, outcome: 'accepted', detail: null, driver: null, attempts: 0 });
    return true;
  }
  async finish(_tx: unknown, commandId: string, outcome: PowerActionOutcome, detail: string, driver: string | null, attempts: number): Promise<void> {
    const row = this.rows.get(commandId);
    if (!row) throw new Error(`finish of an unclaimed command ${commandId}`);
    this.rows.set(commandId, { ...row, outcome, detail, driver: driver ?? row.driver, attempts: Math.max(row.attempts, attempts) });
  }
  async recordNotFound(_tx: unknown, envelope: PowerCommandEnvelope, action: string, detail: string): Promise<void> {
    if (!this.rows.has(envelope.id)) this.rows.set(envelope.id, { action, outcome: 'not-found', detail, driver: null, attempts: 0 });
  }
  async find(commandId: string): Promise<RecordedAction | undefined> {
    const row = this.rows.get(commandId);
    return row && { outcome: row.outcome, detail: row.detail };
  }
}

function setup(options: { verifications?: WakeVerification[]; readiness?: SleepReadiness; asleep?: boolean } = {}) {
  const clock = new FakeClock();
  const wol = new ScriptedDriver('wol');
  const ssh = new ScriptedDriver('ssh');
  const drivers = new PowerDriverRegistry([wol, ssh]);
  const limits = new PowerRateLimits({}, () => clock.now());
  const locks = new NodeActionLocks();
  const retryPolicy = { maxAttempts: 2, baseDelayMs: 1_000, factor: 2, maxDelayMs: 5_000 };
  const wake = new WakeNodeUseCase({ drivers, limits, locks, clock, retryPolicy, verifier: new ScriptedWakeVerifier(options.verifications ?? [VERIFIED]) });
  const sleepVerifier = new ScriptedSleepVerifier(options.asleep === false ? { asleep: false, reason: 'still answering on 10.0.1.17:22', elapsedMs: 60_000 } : { asleep: true, elapsedMs: 2_000 });
  const sleep = new SleepNodeUseCase({ drivers, limits, locks, clock, verifier: sleepVerifier });
  const node = testNode({ ssh: { host: '10.0.1.17', user: 'somnus', hostKeySha256: `SHA256:${'A'.repeat(43)}` } });
  const transactions = new FakeTransactions('somnus/power', () => clock.now());
  const actions = new InMemoryPowerActions();
  const states = new Map<string, PowerState>();
  const errors: string[] = [];
  const readinessChecks: string[] = [];
  const useCase = new CarryOutPowerActionUseCase({
    nodes: { get: (id) => (id === node.id ? node : undefined) },
    actions,
    transactions,
    states: { set: async (_manager, nodeId, state) => void states.set(nodeId, state) },
    wake,
    sleep,
    locks,
    readiness: {
      execute: async (n, action) => {
        readinessChecks.push(`${action} ${n.name}`);
        return options.readiness ?? { ready: true, driver: 'ssh' };
      },
    },
    clock,
    log: { error: (message) => void errors.push(message) },
  });
  const command = (nodeId = node.id): PowerCommandEnvelope =>
    createEnvelope(WakeNode.type, { nodeId, reason: 'pending pod web-1' }, { source: 'somnus/scheduler', cause: { actor: 'policy:somnus', correlationId: 'c-1' }, time: new Date(clock.now()) });
  return { clock, wol, ssh, node, transactions, actions, states, errors, readinessChecks, useCase, command };
}

describe('CarryOutPowerActionUseCase', () => {
  it('wakes a node: accepted at once, then waking and woke caused by the command, the row finished and the node on', async () => {
    const { useCase, command, node, transactions, actions, states, wol } = setup();
    const envelope = command();
    await expect(useCase.execute('wake', envelope, 'power-wake')).resolves.toEqual({ ok: true, result: { nodeId: node.id, accepted: true } });
    await useCase.settled();
    expect(transactions.published.map((e) => e.type)).toEqual([NodeWaking.type, NodeWoke.type]);
    expect(transactions.published.every((e) => e.causationId === envelope.id && e.correlationId === envelope.correlationId)).toBe(true);
    expect(actions.rows.get(envelope.id)).toMatchObject({ outcome: 'woke', driver: 'wol', attempts: 1 });
    expect(states.get(node.id)).toBe('on');
    expect(wol.calls).toHaveLength(1);
  });

  it('ends a wake that is never verified in wake-failed with the node unknown, never waking', async () => {
    const { useCase, command, node, transactions, actions, states, clock } = setup({ verifications: [NOT_VERIFIED] });
    const envelope = command();
    await useCase.execute('wake', envelope, 'power-wake');
    await useCase.settled();
    expect(transactions.published.map((e) => e.type)).toEqual([NodeWaking.type, NodeWaking.type, NodeWakeFailed.type]);
    expect(transactions.ofType(NodeWaking)[1]?.data.detail).toContain('previous: nothing answers');
    expect(actions.rows.get(envelope.id)).toMatchObject({ outcome: 'wake-failed', attempts: 2 });
    expect(states.get(node.id)).toBe('unknown');
    expect(clock.sleeps).toContain(1_000);
  });

  it('answers a redelivered command as the first time and acts once', async () => {
    const { useCase, command, transactions, wol } = setup();
    const envelope = command();
    const first = await useCase.execute('wake', envelope, 'power-wake');
    await useCase.settled();
    const second = await useCase.execute('wake', envelope, 'power-wake');
    await useCase.settled();
    expect(second).toEqual(first);
    expect(wol.calls).toHaveLength(1);
    expect(transactions.ofType(NodeWoke)).toHaveLength(1);
  });

  it('refuses a node the catalogue does not have, records it once, and answers a redelivery the same', async () => {
    const { useCase, command, transactions, actions } = setup();
    const envelope = command('3d7d8c1e-0000-4000-8000-000000000000');
    const first = await useCase.execute('wake', envelope, 'power-wake');
    expect(first).toMatchObject({ ok: false, code: 'not-found' });
    expect(await useCase.execute('wake', envelope, 'power-wake')).toEqual(first);
    expect(transactions.ofType(PowerActionRefused)).toHaveLength(1);
    expect(actions.rows.get(envelope.id)?.outcome).toBe('not-found');
  });

  it('refuses a sleep the pre-flight says cannot be done, and sends nothing to the node', async () => {
    const reason = 'node node-a presented host key SHA256:xyz, not the pinned one';
    const { useCase, command, transactions, actions, ssh, readinessChecks } = setup({ readiness: { ready: false, driver: 'ssh', code: 'host-key-mismatch', reason } });
    const envelope = command();
    await expect(useCase.execute('sleep', envelope, 'power-sleep')).resolves.toEqual({ ok: false, code: 'refused', reason });
    await useCase.settled();
    expect(readinessChecks).toEqual(['sleep node-a']);
    expect(ssh.calls).toHaveLength(0);
    expect(transactions.ofType(PowerActionRefused).map((e) => e.data)).toEqual([{ nodeId: expect.any(String), action: 'sleep', reason }]);
    expect(actions.rows.get(envelope.id)?.outcome).toBe('refused');
  });

  it('puts a node to sleep: sleeping then slept, the node off', async () => {
    const { useCase, command, node, transactions, actions, states } = setup();
    const envelope = command();
    await expect(useCase.execute('sleep', envelope, 'power-sleep')).resolves.toMatchObject({ ok: true });
    await useCase.settled();
    expect(transactions.published.map((e) => e.type)).toEqual([NodeSleeping.type, NodeSlept.type]);
    expect(transactions.ofType(NodeSleeping)[0]?.data.detail).toBe('suspend');
    expect(actions.rows.get(envelope.id)?.outcome).toBe('slept');
    expect(states.get(node.id)).toBe('off');
  });

  it('leaves a node that is still answering after a sleep marked on, with sleep-failed', async () => {
    const { useCase, command, node, actions, states } = setup({ asleep: false });
    const envelope = command();
    await useCase.execute('sleep', envelope, 'power-sleep');
    await useCase.settled();
    expect(actions.rows.get(envelope.id)?.outcome).toBe('sleep-failed');
    expect(states.get(node.id)).toBe('on');
  });

  it('a write that keeps failing is reported and retried on the clock, never crashing the action', async () => {
    const { useCase, command, transactions, errors, clock } = setup();
    const failing = jest.spyOn(transactions, 'transact').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    await useCase.execute('wake', command(), 'power-wake');
    await useCase.settled();
    failing.mockRestore();
    expect(errors.some((e) => e.includes('could not be written') && e.includes('ECONNREFUSED'))).toBe(true);
    expect(clock.sleeps).toEqual(expect.arrayContaining([100, 200]));
  });
});
