import type { Tier } from '@somnus/contracts';
import type { PowerProfile } from '@somnus/domain';

/**
 * What a policy sees and answers. The live scheduler and the trace replay build the same snapshot, so the
 * same policy object decides in both. Time is always a parameter (epoch milliseconds), never read.
 */

export interface Resources {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly gpu: number;
}

/** Where a node is in its power cycle, as the scheduler sees it. */
export type NodePower = 'awake' | 'asleep' | 'booting' | 'suspending' | 'unavailable';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface Toleration {
  readonly key?: string;
  readonly operator?: 'Equal' | 'Exists';
  readonly value?: string;
  readonly effect?: Taint['effect'];
}

export interface NodeSnapshot {
  readonly id: string;
  readonly name: string;
  readonly tier: Tier;
  readonly power: NodePower;
  /** Held by an operator: automation never wakes or sleeps it. */
  readonly maintenance: boolean;
  /** The node carries the do-not-sleep annotation. */
  readonly doNotSleep?: boolean;
  readonly capacity: Resources;
  /** Sum of the requests of the work running on it. */
  readonly allocated: Resources;
  /** Number of workloads running on it. */
  readonly workloads: number;
  /** Whether every workload on it could be moved elsewhere (evicted and rescheduled, migrated). */
  readonly workloadsMovable: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
  /** Epoch ms since which nothing has run on it (undefined while busy or unknown). */
  readonly idleSince?: number;
  readonly lastWakeAt?: number;
  readonly lastSleepAt?: number;
  /** Power figures; the policy assumes Batsim's when absent. */
  readonly powerProfile?: PowerProfile;
  /** Measured load in [0, 1] when known (else allocated / capacity is used). */
  readonly utilisation?: number;
}

export interface PendingWorkload {
  readonly id: string;
  readonly requests: Resources;
  readonly submittedAt: number;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
  readonly priority?: number;
  /** How many identical replicas/processes the request stands for, spread over nodes (default 1). */
  readonly replicas?: number;
}

export interface RunningWorkload {
  readonly id: string;
  readonly nodeIds: readonly string[];
  /** Total requests over all its nodes. */
  readonly requests: Resources;
  readonly submittedAt: number;
  readonly startedAt: number;
}

export interface Demand {
  /** Work waiting for room, oldest first. */
  readonly pending: readonly PendingWorkload[];
  readonly running: readonly RunningWorkload[];
}

/**
 * A recurring window in the operator's time zone during which nodes stay awake, e.g. every node of the dev
 * tier 08:00-18:00 Monday to Friday, Europe/Paris.
 */
export interface CalendarWindow {
  readonly name: string;
  /** Days of the week, 0 = Sunday ... 6 = Saturday. */
  readonly days: readonly number[];
  /** "HH:MM", local time; `end` may be before `start` for a window over midnight. */
  readonly start: string;
  readonly end: string;
  /** IANA time zone, e.g. "Europe/Paris"; UTC when absent. */
  readonly timeZone?: string;
  /** Which nodes it holds awake: all when absent. */
  readonly selector?: { readonly tiers?: readonly Tier[]; readonly labels?: Readonly<Record<string, string>> };
  /** Wake the held nodes when the window opens (default true); else it only forbids sleeping them. */
  readonly wakeAtStart?: boolean;
}

export interface PolicyInput {
  /** Epoch milliseconds. */
  readonly now: number;
  readonly fleet: readonly NodeSnapshot[];
  readonly demand: Demand;
  readonly calendar?: readonly CalendarWindow[];
}

export type DecisionAction = 'wake' | 'sleep' | 'hold';

/** A machine-readable reason, stable across versions; `reason` says it in words. */
export type ReasonCode =
  | 'unschedulable-work'
  | 'forecast'
  | 'headroom'
  | 'calendar'
  | 'idle-past-threshold'
  | 'underutilised'
  | 'low-demand'
  | 'high-demand'
  | 'critical-tier'
  | 'maintenance'
  | 'do-not-sleep'
  | 'gap-shorter-than-break-even'
  | 'rate-limited';

export interface Decision {
  readonly action: DecisionAction;
  readonly nodeId: string;
  readonly code: ReasonCode;
  readonly reason: string;
}

export interface PolicyOutcome {
  readonly decisions: readonly Decision[];
  /**
   * The earliest epoch ms at which the policy's answer could change if its input stays the same; a caller
   * may skip asking until then (or until the input changes). Absent: ask again at the next cadence tick.
   */
  readonly recheckAt?: number;
}

/**
 * One interface for every policy. `decide` may update learnt state (forecasts, rate-limit windows) but only
 * from what it is given, so the same sequence of inputs always yields the same decisions.
 */
export interface PowerPolicy {
  readonly name: string;
  /** How often the policy expects to be asked, in ms (Slurm and Cluster Autoscaler: 10 s; DPM: 5 min). */
  readonly cadenceMs: number;
  /**
   * The policy is also asked the moment its input changes (work arrives or ends, a node finishes booting or
   * suspending, its own decisions were carried out), not only on the cadence grid. The live scheduler decides
   * this way (a pod turning Unschedulable triggers a decision within milliseconds); `cadenceMs` is then only
   * the resync tick for when nothing changes. Absent or false: asked on the cadence grid, as the documented
   * tools are (Slurm's power-save thread, Cluster Autoscaler's scan interval, DRS/DPM's invocation).
   */
  readonly eventDriven?: boolean;
  decide(input: PolicyInput): PolicyOutcome;
  /** Shows the policy the fleet between decisions, so averages and forecasts see every change. */
  observe?(input: PolicyInput): void;
}
