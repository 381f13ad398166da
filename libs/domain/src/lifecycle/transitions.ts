import type { LifecycleState } from '@somnus/contracts';

/**
 * What makes a node move. Names are in the operator's words and match the events that cause them
 * (power: wake-sent / wake-verified / wake-failed / slept; lifecycle: idle-detected, drain-started, ...).
 */
export const LIFECYCLE_TRIGGERS = [
  'provisioned',
  'joined-cluster',
  'workload-scheduled',
  'idle-detected',
  'activity-resumed',
  'drain-started',
  'drain-aborted',
  'slept',
  'sleep-failed',
  'wake-sent',
  'wake-verified',
  'wake-failed',
  'health-failed',
  'recovered',
  'maintenance-entered',
  'maintenance-released',
  'decommissioned',
] as const;
export type LifecycleTrigger = (typeof LIFECYCLE_TRIGGERS)[number];

/** `operator`: only a person or API token may cause it; `anyone`: automation too. */
export type Authority = 'anyone' | 'operator';

export interface TransitionRule {
  from: readonly LifecycleState[];
  to: LifecycleState;
  on: LifecycleTrigger;
  by: Authority;
  /** Why the rule exists, for the operator reading a rejection. */
  why: string;
}

const IN_SERVICE: readonly LifecycleState[] = ['ready', 'active', 'idle'];
/** Every state but maintenance and decommissioned: where an operator may take a node into maintenance. */
const HOLDABLE: readonly LifecycleState[] = [
  'provisioning', 'initializing', 'ready', 'active', 'idle', 'draining', 'sleeping', 'waking', 'unhealthy',
];

/**
 * The lifecycle of DESIGN.md. Anything not listed here is invalid and rejected.
 *
 * Decisions worth knowing:
 * - Maintenance is held by an operator: only an operator takes a node in, and every way out of maintenance is an
 *   operator's (release to `ready`, or decommission). Automation cannot touch a node in maintenance at all.
 * - Automation sleeps only idle nodes (idle -> draining); an operator may drain a ready or active node directly.
 * - A wake always ends: waking -> ready on verification, waking -> unhealthy on failure or timeout. From
 *   unhealthy the retry plan sends another wake (unhealthy -> waking) or the node recovers by itself.
 * - `decommissioned` is terminal.
 * - Staying in the same state is not a transition; it is rejected, so a redelivered event never adds history.
 */
export const TRANSITIONS: readonly TransitionRule[] = [
  { from: ['provisioning'], to: 'initializing', on: 'provisioned', by: 'anyone', why: 'the machine is installed and booting' },
  { from: ['initializing'], to: 'ready', on: 'joined-cluster', by: 'anyone', why: 'the node joined and reports Ready' },
  { from: ['ready'], to: 'active', on: 'workload-scheduled', by: 'anyone', why: 'movable work was placed on the node' },
  { from: ['idle'], to: 'active', on: 'activity-resumed', by: 'anyone', why: 'work or activity came back before the node was drained' },
  { from: ['ready', 'active'], to: 'idle', on: 'idle-detected', by: 'anyone', why: 'no movable work and low activity for the grace period' },
  { from: ['idle'], to: 'draining', on: 'drain-started', by: 'anyone', why: 'an idle node is cordoned and emptied before sleep' },
  { from: ['ready', 'active'], to: 'draining', on: 'drain-started', by: 'operator', why: 'only an operator drains a node that is not idle' },
  { from: ['draining'], to: 'sleeping', on: 'slept', by: 'anyone', why: 'the node suspended or powered off after its drain' },
  { from: ['draining'], to: 'active', on: 'drain-aborted', by: 'anyone', why: 'demand arrived or a safety check refused mid-drain; the node is uncordoned' },
  { from: ['draining'], to: 'unhealthy', on: 'sleep-failed', by: 'anyone', why: 'the suspend or power-off did not take effect' },
  { from: ['sleeping', 'unhealthy'], to: 'waking', on: 'wake-sent', by: 'anyone', why: 'a wake was sent (or re-sent by the retry plan)' },
  { from: ['waking', 'sleeping'], to: 'ready', on: 'wake-verified', by: 'anyone', why: 'reachable and Ready again (a sleeping node may also be woken by hand)' },
  { from: ['waking'], to: 'unhealthy', on: 'wake-failed', by: 'anyone', why: 'the wake was not verified in time after its retries' },
  { from: ['provisioning', 'initializing', 'ready', 'active', 'idle'], to: 'unhealthy', on: 'health-failed', by: 'anyone', why: 'the node stopped answering or lost Ready' },
  { from: ['unhealthy'], to: 'ready', on: 'recovered', by: 'anyone', why: 'the node answers and reports Ready again' },
  { from: HOLDABLE, to: 'maintenance', on: 'maintenance-entered', by: 'operator', why: 'an operator holds the node; automation leaves it alone' },
  { from: ['maintenance'], to: 'ready', on: 'maintenance-released', by: 'operator', why: 'an operator hands the node back to automation' },
  { from: [...HOLDABLE, 'maintenance'], to: 'decommissioned', on: 'decommissioned', by: 'operator', why: 'an operator retires the node for good' },
];

/** States in which a node can serve work; used by capacity and idle rules. */
export const IN_SERVICE_STATES = IN_SERVICE;

/** Actors that are automation: a policy, the system itself, or one of Somnus' services. */
const AUTOMATION_ACTOR = /^(policy|system|service):/;

export function isAutomation(actor: string): boolean {
  return AUTOMATION_ACTOR.test(actor);
}

function mayAct(rule: TransitionRule, actor: string): boolean {
  return rule.by === 'anyone' || !isAutomation(actor);
}

export interface TransitionContext {
  /** Token name, user, or `policy:<name>` / `system:<name>` / `service:<name>` for automation. */
  actor: string;
  reason: string;
  at: Date;
}

export interface TransitionRecord {
  from: LifecycleState;
  to: LifecycleState;
  trigger: LifecycleTrigger;
  reason: string;
  actor: string;
  at: Date;
}

export type TransitionResult = { ok: true; record: TransitionRecord } | { ok: false; reason: string };

/** The moves the table offers from `state` to this actor, e.g. `ready (joined-cluster)`. */
export function allowedTransitions(state: LifecycleState, actor: string): { to: LifecycleState; on: LifecycleTrigger }[] {
  return TRANSITIONS.filter((rule) => rule.from.includes(state) && mayAct(rule, actor)).map(({ to, on }) => ({ to, on }));
}

function describeAllowed(state: LifecycleState, actor: string): string {
  const allowed = allowedTransitions(state, actor);
  if (allowed.length === 0) return `nothing is allowed from ${state} for ${actor}`;
  return `allowed from ${state} for ${actor}: ${allowed.map((move) => `${move.to} (on ${move.on})`).join(', ')}`;
}

function check(current: LifecycleState, rule: TransitionRule | undefined, to: LifecycleState, ctx: TransitionContext): TransitionResult {
  if (!ctx.actor.trim()) return { ok: false, reason: `transition ${current} -> ${to} rejected: it has no actor; every move needs one` };
  if (!ctx.reason.trim()) return { ok: false, reason: `transition ${current} -> ${to} rejected: it has no reason; every move needs one` };
  if (Number.isNaN(ctx.at.getTime())) return { ok: false, reason: `transition ${current} -> ${to} rejected: its time is not a valid date` };
  if (!rule) return { ok: false, reason: `transition ${current} -> ${to} rejected: not in the lifecycle table; ${describeAllowed(current, ctx.actor)}` };
  if (!mayAct(rule, ctx.actor)) {
    return {
      ok: false,
      reason: `transition ${current} -> ${to} rejected: only an operator may do it (${rule.why}), and ${ctx.actor} is automation; ${describeAllowed(current, ctx.actor)}`,
    };
  }
  return { ok: true, record: { from: current, to: rule.to, trigger: rule.on, reason: ctx.reason, actor: ctx.actor, at: ctx.at } };
}

/** Ask to move a node from `current` to `to`. Never throws: an invalid move comes back with its reason. */
export function applyTransition(current: LifecycleState, to: LifecycleState, ctx: TransitionContext): TransitionResult {
  const candidates = TRANSITIONS.filter((rule) => rule.from.includes(current) && rule.to === to);
  // When both an automation rule and an operator rule lead there, report the one this actor may use.
  const rule = candidates.find((candidate) => mayAct(candidate, ctx.actor)) ?? candidates[0];
  return check(current, rule, to, ctx);
}

/** Apply what an event means: the table decides the target state (e.g. `wake-failed` in `waking` -> `unhealthy`). */
export function applyTrigger(current: LifecycleState, trigger: LifecycleTrigger, ctx: TransitionContext): TransitionResult {
  const candidates = TRANSITIONS.filter((rule) => rule.from.includes(current) && rule.on === trigger);
  const rule = candidates.find((candidate) => mayAct(candidate, ctx.actor)) ?? candidates[0];
  if (!rule) {
    return { ok: false, reason: `${trigger} does not apply to a node in ${current}; ${describeAllowed(current, ctx.actor)}` };
  }
  return check(current, rule, rule.to, ctx);
}
