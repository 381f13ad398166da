import { LIFECYCLE_STATES, type LifecycleState } from '@somnus/contracts';
import { LIFECYCLE_TRIGGERS, allowedTransitions, applyTransition, applyTrigger, isAutomation, TRANSITIONS, type LifecycleTrigger } from './transitions';
import { applyLifecycleEvent, newNodeLifecycle, replayHistory, transitionTo, wakeOverdue } from './node-lifecycle';

const at = new Date('2025-01-06T08:00:00Z');
const policy = { actor: 'policy:somnus', reason: 'test', at };
const operator = { actor: 'alice', reason: 'test', at };

describe('lifecycle transitions', () => {
  const allowed: [LifecycleState, LifecycleTrigger, LifecycleState][] = [
    ['provisioning', 'provisioned', 'initializing'],
    ['initializing', 'joined-cluster', 'ready'],
    ['ready', 'workload-scheduled', 'active'],
    ['active', 'idle-detected', 'idle'],
    ['idle', 'activity-resumed', 'active'],
    ['idle', 'drain-started', 'draining'],
    ['draining', 'slept', 'sleeping'],
    ['draining', 'drain-aborted', 'active'],
    ['draining', 'sleep-failed', 'unhealthy'],
    ['sleeping', 'wake-sent', 'waking'],
    ['waking', 'wake-verified', 'ready'],
    ['waking', 'wake-failed', 'unhealthy'],
    ['unhealthy', 'wake-sent', 'waking'],
    ['unhealthy', 'recovered', 'ready'],
    ['active', 'health-failed', 'unhealthy'],
  ];

  it.each(allowed)('automation moves %s on %s to %s', (from, trigger, to) => {
    const byTarget = applyTransition(from, to, policy);
    const byTrigger = applyTrigger(from, trigger, policy);
    expect(byTarget).toEqual({ ok: true, record: { from, to, trigger, reason: 'test', actor: 'policy:somnus', at } });
    expect(byTrigger).toEqual(byTarget);
  });

  it('rejects a move not in the table, naming from, to and what is allowed', () => {
    const result = applyTransition('sleeping', 'active', policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toContain('sleeping -> active');
    expect(result.reason).toContain('waking (on wake-sent)');
  });

  it('rejects a trigger that does not apply to the current state', () => {
    const result = applyTrigger('ready', 'slept', policy);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('slept does not apply to a node in ready') });
  });

  it('rejects staying in the same state, so a redelivered event adds no history', () => {
    expect(applyTransition('ready', 'ready', policy).ok).toBe(false);
  });

  it('lets only an operator take a node into maintenance', () => {
    expect(applyTransition('active', 'maintenance', operator).ok).toBe(true);
    const byPolicy = applyTransition('active', 'maintenance', policy);
    expect(byPolicy).toEqual({ ok: false, reason: expect.stringContaining('only an operator') });
    expect(applyTransition('unhealthy', 'maintenance', { ...policy, actor: 'system:lifecycle' }).ok).toBe(false);
  });

  it('lets only an operator take a node out of maintenance, to ready or decommissioned', () => {
    expect(applyTransition('maintenance', 'ready', operator).ok).toBe(true);
    expect(applyTransition('maintenance', 'decommissioned', operator).ok).toBe(true);
    expect(allowedTransitions('maintenance', 'policy:somnus')).toEqual([]);
    for (const to of LIFECYCLE_STATES) expect(applyTransition('maintenance', to, policy).ok).toBe(false);
    expect(applyTransition('maintenance', 'waking', operator).ok).toBe(false);
  });

  it('lets automation drain only idle nodes; an operator may drain a ready or active node', () => {
    expect(applyTransition('active', 'draining', policy)).toEqual({ ok: false, reason: expect.stringContaining('only an operator') });
    expect(applyTransition('ready', 'draining', operator).ok).toBe(true);
    expect(applyTrigger('active', 'drain-started', operator)).toMatchObject({ ok: true, record: { to: 'draining' } });
  });

  it('keeps decommissioned terminal', () => {
    for (const to of LIFECYCLE_STATES) expect(applyTransition('decommissioned', to, operator).ok).toBe(false);
  });

  it('refuses a move without actor or reason, or with an invalid time', () => {
    expect(applyTransition('idle', 'draining', { ...policy, actor: ' ' }).ok).toBe(false);
    expect(applyTransition('idle', 'draining', { ...policy, reason: '' }).ok).toBe(false);
    expect(applyTransition('idle', 'draining', { ...policy, at: new Date('nope') }).ok).toBe(false);
  });

  it('treats policy:, system: and service: actors as automation, anything else as an operator', () => {
    expect(['policy:x', 'system:power', 'service:lifecycle'].map(isAutomation)).toEqual([true, true, true]);
    expect(['alice', 'token:ops', 'policyholder'].map(isAutomation)).toEqual([false, false, false]);
  });

  it('uses every trigger in at least one rule', () => {
    for (const trigger of LIFECYCLE_TRIGGERS) expect(TRANSITIONS.some((rule) => rule.on === trigger)).toBe(true);
  });

  it('has one trigger per (from, to) pair, so a target state names its cause', () => {
    const pairs = new Map<string, string>();
    for (const rule of TRANSITIONS) {
      for (const from of rule.from) {
        const key = `${from}->${rule.to}`;
        expect([undefined, rule.on]).toContain(pairs.get(key));
        pairs.set(key, rule.on);
      }
    }
  });
});

describe('NodeLifecycle', () => {
  it('records each move in its history and tracks since when it is in its state', () => {
    const later = new Date(at.getTime() + 60_000);
    const start = newNodeLifecycle('sleeping', at);
    const woke = applyLifecycleEvent(start, 'wake-sent', { ...policy, at: later });
    expect(woke.ok).toBe(true);
    if (!woke.ok) return;
    expect(woke.lifecycle).toEqual({ state: 'waking', since: later, history: [woke.record] });
    expect(start.history).toEqual([]);
  });

  it('leaves the lifecycle unchanged when a move is rejected', () => {
    const result = transitionTo(newNodeLifecycle('sleeping', at), 'draining', policy);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('sleeping -> draining') });
  });

  it('replays a valid history and refuses one that skips a step', () => {
    let lifecycle = newNodeLifecycle('idle', at);
    for (const to of ['draining', 'sleeping', 'waking', 'ready'] as const) {
      const result = transitionTo(lifecycle, to, policy);
      if (!result.ok) throw new Error(result.reason);
      lifecycle = result.lifecycle;
    }
    expect(replayHistory('idle', at, lifecycle.history)).toEqual({ ok: true, lifecycle });
    const [first, , third] = lifecycle.history;
    if (!first || !third) throw new Error('expected four recorded transitions');
    expect(replayHistory('idle', at, [first, third])).toEqual({ ok: false, reason: expect.stringContaining('step 2 starts in sleeping') });
    const forged = [{ ...first, from: 'maintenance' as const, actor: 'policy:x' }];
    expect(replayHistory('maintenance', at, forged).ok).toBe(false);
  });

  it('says a wake is overdue once the wake timeout has passed, and only while waking', () => {
    const waking = { state: 'waking' as const, since: at, history: [] };
    expect(wakeOverdue(waking, new Date(at.getTime() + 29_999), 30_000)).toBe(false);
    expect(wakeOverdue(waking, new Date(at.getTime() + 30_000), 30_000)).toBe(true);
    expect(wakeOverdue({ ...waking, state: 'ready' }, new Date(at.getTime() + 60_000), 30_000)).toBe(false);
  });
});
