import fc from 'fast-check';
import { LIFECYCLE_STATES, TIERS, type LifecycleState, type Tier } from '@somnus/contracts';
import { checkSleepSafety, DEFAULT_SAFETY_SETTINGS } from '../safety/safety-checks';
import { applyLifecycleEvent, newNodeLifecycle, replayHistory, transitionTo, wakeOverdue, type NodeLifecycle } from './node-lifecycle';
import { isAutomation, LIFECYCLE_TRIGGERS, TRANSITIONS, type LifecycleTrigger, type TransitionRecord } from './transitions';

const t0 = new Date('2025-01-06T00:00:00Z').getTime();
const actorArb = fc.constantFrom('policy:somnus', 'system:power', 'service:lifecycle', 'alice', 'token:ops');
const stateArb = fc.constantFrom(...LIFECYCLE_STATES);
const triggerArb = fc.constantFrom(...LIFECYCLE_TRIGGERS);

/** A step asks for a move either by target state or by the event that happened, `gapMs` after the previous one. */
const stepArb = fc.record({
  actor: actorArb,
  ask: fc.oneof(fc.record({ to: stateArb }), fc.record({ on: triggerArb })),
  gapMs: fc.integer({ min: 0, max: 120_000 }),
});

function inTable(record: TransitionRecord): boolean {
  return TRANSITIONS.some(
    (rule) =>
      rule.from.includes(record.from) && rule.to === record.to && rule.on === record.trigger && (rule.by === 'anyone' || !isAutomation(record.actor)),
  );
}

describe('lifecycle properties', () => {
  it('never applies an invalid transition: the history is always a valid path of the table', () => {
    fc.assert(
      fc.property(stateArb, fc.array(stepArb, { maxLength: 60 }), (start, steps) => {
        let lifecycle = newNodeLifecycle(start, new Date(t0));
        let now = t0;
        for (const { actor, ask, gapMs } of steps) {
          now += gapMs;
          const ctx = { actor, reason: 'property', at: new Date(now) };
          const result = 'to' in ask ? transitionTo(lifecycle, ask.to, ctx) : applyLifecycleEvent(lifecycle, ask.on, ctx);
          if (result.ok) lifecycle = result.lifecycle;
        }
        lifecycle.history.forEach((record, i) => {
          expect(inTable(record)).toBe(true);
          expect(record.from).toBe(i === 0 ? start : lifecycle.history[i - 1]?.to);
          expect(record.from).not.toBe(record.to);
          // Maintenance is the operator's: automation never takes a node in or out, and decommissioned is final.
          if (isAutomation(record.actor)) expect([record.from, record.to]).not.toContain('maintenance');
          expect(record.from).not.toBe('decommissioned');
        });
        expect(replayHistory(start, new Date(t0), lifecycle.history)).toEqual({ ok: true, lifecycle });
      }),
      { numRuns: 2000 },
    );
  });

  it('a rejected move leaves the node where it was, with a reason naming both states', () => {
    fc.assert(
      fc.property(stateArb, stateArb, actorArb, (from, to, actor) => {
        const lifecycle = newNodeLifecycle(from, new Date(t0));
        const result = transitionTo(lifecycle, to, { actor, reason: 'property', at: new Date(t0 + 1) });
        if (result.ok) expect(inTable(result.record)).toBe(true);
        else expect(result.reason).toContain(`${from} -> ${to}`);
        expect(lifecycle).toEqual(newNodeLifecycle(from, new Date(t0)));
      }),
      { numRuns: 2000 },
    );
  });

  it('critical and maintenance nodes are never drained or put to sleep when drains go through the safety checks', () => {
    const tierArb = fc.constantFrom<Tier>(...TIERS);
    fc.assert(
      fc.property(tierArb, stateArb, fc.array(stepArb, { maxLength: 60 }), (tier, start, steps) => {
        let lifecycle = newNodeLifecycle(start, new Date(t0));
        let now = t0;
        let drainedFromMaintenance = false;
        for (const { actor, ask, gapMs } of steps) {
          now += gapMs;
          const ctx = { actor, reason: 'property', at: new Date(now) };
          const wantsDrain = 'to' in ask ? ask.to === 'draining' : ask.on === 'drain-started';
          if (wantsDrain) {
            // The lifecycle service asks the safety checks before every drain, whoever asks.
            const node = { name: 'n', tier, state: lifecycle.state, awakeSince: new Date(t0), capacity: { cpu: 1, memoryMiB: 1 } };
            const fleet = { awake: { cpu: 1000, memoryMiB: 1_000_000 }, demand: { cpu: 0, memoryMiB: 0 } };
            const settings = { ...DEFAULT_SAFETY_SETTINGS, minAwakeMs: 0 };
            const verdict = checkSleepSafety({ node, pods: [], pdbs: [], fleet, settings, at: ctx.at, actor });
            if (!verdict.allowed) continue;
            if (lifecycle.state === 'maintenance') drainedFromMaintenance = true;
          }
          const result = 'to' in ask ? transitionTo(lifecycle, ask.to, ctx) : applyLifecycleEvent(lifecycle, ask.on, ctx);
          if (result.ok) lifecycle = result.lifecycle;
        }
        expect(drainedFromMaintenance).toBe(false);
        const reachedSleep = lifecycle.history.some((record) => record.to === 'draining' || record.to === 'sleeping');
        if (tier === 'critical') expect(reachedSleep && start !== 'draining').toBe(false);
        for (const record of lifecycle.history) {
          if (isAutomation(record.actor)) expect(record.from).not.toBe('maintenance');
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a wake never leaves a node waking past its timeout once the timeout is checked', () => {
    const wakeTimeoutMs = 90_000;
    const wakeEvents = fc.constantFrom<LifecycleTrigger>('wake-sent', 'wake-verified', 'wake-failed', 'drain-started', 'slept', 'recovered', 'idle-detected');
    fc.assert(
      fc.property(
        fc.array(fc.record({ on: wakeEvents, gapMs: fc.integer({ min: 0, max: 60_000 }), delivered: fc.boolean() }), { maxLength: 80 }),
        (steps) => {
          let lifecycle: NodeLifecycle = newNodeLifecycle('sleeping', new Date(t0));
          let now = t0;
          for (const { on, gapMs, delivered } of steps) {
            now += gapMs;
            // The timeout sweep runs at every tick; events may be lost (not delivered), the sweep may not.
            if (wakeOverdue(lifecycle, new Date(now), wakeTimeoutMs)) {
              const failed = applyLifecycleEvent(lifecycle, 'wake-failed', { actor: 'system:power', reason: 'wake not verified in time', at: new Date(now) });
              expect(failed).toMatchObject({ ok: true, lifecycle: { state: 'unhealthy' } });
              if (failed.ok) lifecycle = failed.lifecycle;
            }
            if (!delivered) continue;
            const result = applyLifecycleEvent(lifecycle, on, { actor: 'policy:somnus', reason: 'event', at: new Date(now) });
            if (result.ok) lifecycle = result.lifecycle;
            if (lifecycle.state === 'waking' && on === 'wake-failed') throw new Error('wake-failed left the node waking');
          }
          // Every stay in waking ended within the timeout plus one tick, or is still within it.
          const stays: { enteredAt: number; leftAt: number }[] = [];
          lifecycle.history.forEach((record, i) => {
            if (record.to !== 'waking') return;
            const next = lifecycle.history[i + 1];
            stays.push({ enteredAt: record.at.getTime(), leftAt: next ? next.at.getTime() : now });
          });
          for (const stay of stays) expect(stay.leftAt - stay.enteredAt).toBeLessThan(wakeTimeoutMs + 60_000 + 1);
          if (lifecycle.state === 'waking') expect(now - lifecycle.since.getTime()).toBeLessThan(wakeTimeoutMs);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('wake-failed always takes a waking node to unhealthy, whoever reports it', () => {
    fc.assert(
      fc.property(actorArb, (actor) => {
        const result = applyLifecycleEvent(newNodeLifecycle('waking' as LifecycleState, new Date(t0)), 'wake-failed', { actor, reason: 'timeout', at: new Date(t0) });
        expect(result).toMatchObject({ ok: true, lifecycle: { state: 'unhealthy' } });
      }),
    );
  });
});
