import type { LifecycleState } from '@somnus/contracts';
import {
  applyTransition,
  applyTrigger,
  type LifecycleTrigger,
  type TransitionContext,
  type TransitionRecord,
} from './transitions';

/** A node's lifecycle as a value: where it is, since when, and every move that led there (oldest first). */
export interface NodeLifecycle {
  readonly state: LifecycleState;
  /** When the node entered `state` (its creation time when history is empty). */
  readonly since: Date;
  readonly history: readonly TransitionRecord[];
}

export type LifecycleResult = { ok: true; lifecycle: NodeLifecycle; record: TransitionRecord } | { ok: false; reason: string };

/** A node first seen by Somnus; a catalogued machine that already runs starts `ready`, a new one `provisioning`. */
export function newNodeLifecycle(state: LifecycleState, at: Date): NodeLifecycle {
  return { state, since: at, history: [] };
}

function advance(lifecycle: NodeLifecycle, result: ReturnType<typeof applyTransition>): LifecycleResult {
  if (!result.ok) return result;
  const { record } = result;
  return { ok: true, record, lifecycle: { state: record.to, since: record.at, history: [...lifecycle.history, record] } };
}

export function transitionTo(lifecycle: NodeLifecycle, to: LifecycleState, ctx: TransitionContext): LifecycleResult {
  return advance(lifecycle, applyTransition(lifecycle.state, to, ctx));
}

export function applyLifecycleEvent(lifecycle: NodeLifecycle, trigger: LifecycleTrigger, ctx: TransitionContext): LifecycleResult {
  return advance(lifecycle, applyTrigger(lifecycle.state, trigger, ctx));
}

/**
 * Rebuild a lifecycle from persisted history, checking every step against the table again, so a tampered or
 * outdated history is refused rather than trusted.
 */
export function replayHistory(
  initial: LifecycleState,
  createdAt: Date,
  history: readonly TransitionRecord[],
): { ok: true; lifecycle: NodeLifecycle } | { ok: false; reason: string } {
  let lifecycle = newNodeLifecycle(initial, createdAt);
  for (const [index, record] of history.entries()) {
    if (record.from !== lifecycle.state) {
      return { ok: false, reason: `history step ${index + 1} starts in ${record.from} but the node was in ${lifecycle.state}` };
    }
    const result = transitionTo(lifecycle, record.to, record);
    if (!result.ok) return { ok: false, reason: `history step ${index + 1}: ${result.reason}` };
    if (result.record.trigger !== record.trigger) {
      return { ok: false, reason: `history step ${index + 1}: ${record.from} -> ${record.to} happens on ${result.record.trigger}, not ${record.trigger}` };
    }
    lifecycle = result.lifecycle;
  }
  return { ok: true, lifecycle };
}

/**
 * True when a node has been `waking` longer than its wake timeout: the caller then applies `wake-failed`, so a
 * wake never leaves a node stuck half-way.
 */
export function wakeOverdue(lifecycle: NodeLifecycle, now: Date, wakeTimeoutMs: number): boolean {
  return lifecycle.state === 'waking' && now.getTime() - lifecycle.since.getTime() >= wakeTimeoutMs;
}
