/**
 * Idle detection as a pure fold over activity samples. The lifecycle service reads the numbers (pods from the
 * Kubernetes API; load, network and sessions over SSH) and feeds them here with their time.
 */
export interface ActivitySample {
  at: Date;
  /** Pods that would have to move (not DaemonSet, mirror or finished pods). */
  movableWorkloads: number;
  /** 1-minute load average divided by the number of cores. */
  cpuLoadPerCore: number;
  networkBytesPerSecond: number;
  sshSessions: number;
}

export interface IdleThresholds {
  /** Activity at or below these counts as quiet. */
  maxMovableWorkloads: number;
  maxCpuLoadPerCore: number;
  maxNetworkBytesPerSecond: number;
  maxSshSessions: number;
  /** How long a node must stay quiet before it is idle. */
  idleGracePeriodMs: number;
  /**
   * Samples further apart than this break the quiet run: we do not know what happened in between (for example
   * SSH was unreachable), so quiet is counted again from the next sample.
   */
  maxSampleGapMs: number;
}

export const DEFAULT_IDLE_THRESHOLDS: IdleThresholds = {
  maxMovableWorkloads: 0,
  maxCpuLoadPerCore: 0.1,
  maxNetworkBytesPerSecond: 50_000,
  maxSshSessions: 0,
  idleGracePeriodMs: 15 * 60_000,
  maxSampleGapMs: 5 * 60_000,
};

export type ActivitySignal = 'movableWorkloads' | 'cpuLoadPerCore' | 'networkBytesPerSecond' | 'sshSessions';

export interface IdleState {
  /** Start of the current run of quiet samples; null when the last sample showed activity. */
  quietSince: Date | null;
  /** When the node became idle (quietSince + grace period); null while it is not idle. */
  idleSince: Date | null;
  lastSampleAt: Date | null;
  /** What kept the node busy at the last busy sample, for the log and the API. */
  lastActivity: { signal: ActivitySignal; value: number; threshold: number; at: Date } | null;
}

export const NOT_IDLE: IdleState = { quietSince: null, idleSince: null, lastSampleAt: null, lastActivity: null };

const LIMITS: Record<ActivitySignal, keyof IdleThresholds> = {
  movableWorkloads: 'maxMovableWorkloads',
  cpuLoadPerCore: 'maxCpuLoadPerCore',
  networkBytesPerSecond: 'maxNetworkBytesPerSecond',
  sshSessions: 'maxSshSessions',
};

function busySignal(sample: ActivitySample, thresholds: IdleThresholds): IdleState['lastActivity'] {
  for (const signal of Object.keys(LIMITS) as ActivitySignal[]) {
    const value = sample[signal];
    const threshold = thresholds[LIMITS[signal]];
    // A reading that is not a number is treated as activity: never sleep a node on data we could not read.
    if (!(value <= threshold)) return { signal, value, threshold, at: sample.at };
  }
  return null;
}

/** Fold one sample in. Samples not newer than the last one are ignored, so redelivery cannot rewind the state. */
export function observeActivity(state: IdleState, sample: ActivitySample, thresholds: IdleThresholds): IdleState {
  const at = sample.at.getTime();
  if (Number.isNaN(at) || (state.lastSampleAt && at <= state.lastSampleAt.getTime())) return state;

  const busy = busySignal(sample, thresholds);
  if (busy) return { quietSince: null, idleSince: null, lastSampleAt: sample.at, lastActivity: busy };

  const gapTooLong = state.lastSampleAt !== null && at - state.lastSampleAt.getTime() > thresholds.maxSampleGapMs;
  const quietSince = state.quietSince && !gapTooLong ? state.quietSince : sample.at;
  const idleAt = quietSince.getTime() + thresholds.idleGracePeriodMs;
  const idleSince = at >= idleAt ? (state.idleSince && !gapTooLong ? state.idleSince : new Date(idleAt)) : null;
  return { quietSince, idleSince, lastSampleAt: sample.at, lastActivity: state.lastActivity };
}

/** Fold a whole series (e.g. in tests or trace replay). */
export function detectIdle(samples: readonly ActivitySample[], thresholds: IdleThresholds, from: IdleState = NOT_IDLE): IdleState {
  return samples.reduce((state, sample) => observeActivity(state, sample, thresholds), from);
}

/** True exactly when this step made the node idle: the moment to publish `node idle` once. */
export function becameIdle(before: IdleState, after: IdleState): boolean {
  return before.idleSince === null && after.idleSince !== null;
}

/**
 * Whether the node counts as idle at `now`: idle at its last sample, and that sample is recent enough. Without
 * fresh samples we do not know, and an unknown node is not put to sleep.
 */
export function isIdleAt(state: IdleState, now: Date, thresholds: IdleThresholds): boolean {
  if (state.idleSince === null || state.lastSampleAt === null) return false;
  return now.getTime() - state.lastSampleAt.getTime() <= thresholds.maxSampleGapMs;
}
