import { becameIdle, detectIdle, isIdleAt, NOT_IDLE, observeActivity, type ActivitySample, type IdleThresholds } from './idle-detector';

const t0 = new Date('2025-01-06T00:00:00Z').getTime();
const minute = 60_000;
const thresholds: IdleThresholds = {
  maxMovableWorkloads: 0,
  maxCpuLoadPerCore: 0.1,
  maxNetworkBytesPerSecond: 10_000,
  maxSshSessions: 0,
  idleGracePeriodMs: 10 * minute,
  maxSampleGapMs: 3 * minute,
};

function quiet(minutes: number, overrides: Partial<ActivitySample> = {}): ActivitySample {
  return { at: new Date(t0 + minutes * minute), movableWorkloads: 0, cpuLoadPerCore: 0.02, networkBytesPerSecond: 500, sshSessions: 0, ...overrides };
}

function everyMinute(from: number, to: number, overrides: Partial<ActivitySample> = {}): ActivitySample[] {
  return Array.from({ length: to - from + 1 }, (_, i) => quiet(from + i, overrides));
}

describe('idle detection', () => {
  it('declares a node idle once it has been quiet for the grace period, and not before', () => {
    expect(detectIdle(everyMinute(0, 9), thresholds).idleSince).toBeNull();
    const state = detectIdle(everyMinute(0, 10), thresholds);
    expect(state).toMatchObject({ quietSince: new Date(t0), idleSince: new Date(t0 + 10 * minute) });
    expect(detectIdle(everyMinute(0, 30), thresholds).idleSince).toEqual(new Date(t0 + 10 * minute));
  });

  it.each([
    ['a movable workload', { movableWorkloads: 1 }, 'movableWorkloads'],
    ['cpu load', { cpuLoadPerCore: 0.5 }, 'cpuLoadPerCore'],
    ['network traffic', { networkBytesPerSecond: 2_000_000 }, 'networkBytesPerSecond'],
    ['an SSH session', { sshSessions: 1 }, 'sshSessions'],
    ['an unreadable value', { cpuLoadPerCore: Number.NaN }, 'cpuLoadPerCore'],
  ] as const)('resets on %s and counts quiet again from the next quiet sample', (_why, busy, signal) => {
    const samples = [...everyMinute(0, 12), quiet(13, busy), ...everyMinute(14, 23)];
    const state = detectIdle(samples, thresholds);
    expect(state.idleSince).toBeNull();
    expect(state.quietSince).toEqual(new Date(t0 + 14 * minute));
    expect(state.lastActivity).toMatchObject({ signal, at: new Date(t0 + 13 * minute) });
    expect(detectIdle([...samples, quiet(24)], thresholds).idleSince).toEqual(new Date(t0 + 24 * minute));
  });

  it('counts values at the threshold as quiet', () => {
    const atLimit = { cpuLoadPerCore: 0.1, networkBytesPerSecond: 10_000 };
    expect(detectIdle(everyMinute(0, 10, atLimit), thresholds).idleSince).toEqual(new Date(t0 + 10 * minute));
  });

  it('restarts the quiet run after a gap in the samples', () => {
    const samples = [...everyMinute(0, 5), ...everyMinute(9, 18)];
    expect(detectIdle(samples, thresholds)).toMatchObject({ quietSince: new Date(t0 + 9 * minute), idleSince: null });
    const idleThenGap = [...everyMinute(0, 12), quiet(20)];
    expect(detectIdle(idleThenGap, thresholds)).toMatchObject({ quietSince: new Date(t0 + 20 * minute), idleSince: null });
  });

  it('ignores samples that are not newer than the last one', () => {
    const state = detectIdle(everyMinute(0, 10), thresholds);
    expect(observeActivity(state, quiet(5, { sshSessions: 3 }), thresholds)).toBe(state);
  });

  it('says when this step made the node idle, exactly once', () => {
    let state = NOT_IDLE;
    const flips: number[] = [];
    for (const [i, sample] of everyMinute(0, 20).entries()) {
      const next = observeActivity(state, sample, thresholds);
      if (becameIdle(state, next)) flips.push(i);
      state = next;
    }
    expect(flips).toEqual([10]);
  });

  it('stops counting a node idle when its samples go stale', () => {
    const state = detectIdle(everyMinute(0, 10), thresholds);
    expect(isIdleAt(state, new Date(t0 + 13 * minute), thresholds)).toBe(true);
    expect(isIdleAt(state, new Date(t0 + 14 * minute), thresholds)).toBe(false);
    expect(isIdleAt(NOT_IDLE, new Date(t0), thresholds)).toBe(false);
  });
});
