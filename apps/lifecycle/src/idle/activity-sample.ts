import type { ActivitySample } from '@somnus/domain';
import type { NodeActivity } from '../activity/ssh-activity.reader';

export interface CounterReading {
  at: Date;
  netBytes: number;
}

/**
 * One idle-detection sample from what was read. Network activity is a rate, so it needs the previous reading:
 * without one (first read, or counters reset by a reboot) there is no sample yet, and null says so.
 * A node read without SSH contributes only its pods (`activity` undefined): load, network and sessions are 0.
 */
export function activitySample(input: {
  at: Date;
  movableWorkloads: number;
  cores: number;
  activity?: NodeActivity;
  previous?: CounterReading;
}): { sample: ActivitySample | null; reading?: CounterReading } {
  const { at, movableWorkloads, activity, previous } = input;
  if (!activity) return { sample: { at, movableWorkloads, cpuLoadPerCore: 0, networkBytesPerSecond: 0, sshSessions: 0 } };
  const reading = { at, netBytes: activity.netBytes };
  const seconds = previous ? (at.getTime() - previous.at.getTime()) / 1000 : 0;
  if (!previous || seconds <= 0 || activity.netBytes < previous.netBytes) return { sample: null, reading };
  return {
    reading,
    sample: {
      at,
      movableWorkloads,
      cpuLoadPerCore: activity.load1 / Math.max(input.cores, 1e-9),
      networkBytesPerSecond: (activity.netBytes - previous.netBytes) / seconds,
      sshSessions: activity.sshSessions,
    },
  };
}
