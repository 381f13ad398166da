import fc from 'fast-check';
import { at } from '@somnus/contracts';
import { becameIdle, detectIdle, NOT_IDLE, observeActivity, type ActivitySample, type IdleThresholds } from './idle-detector';

const t0 = new Date('2025-01-06T00:00:00Z').getTime();
const thresholds: IdleThresholds = {
  maxMovableWorkloads: 0,
  maxCpuLoadPerCore: 0.1,
  maxNetworkBytesPerSecond: 10_000,
  maxSshSessions: 0,
  idleGracePeriodMs: 10 * 60_000,
  maxSampleGapMs: 3 * 60_000,
};

// Mostly quiet, sometimes busy, so both long quiet runs and resets occur.
const sampleArb = fc.record({
  gapMs: fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 90_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 400_000 }) }),
  busy: fc.oneof({ weight: 12, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.constantFrom({ movableWorkloads: 2 }, { cpuLoadPerCore: 0.9 }, { networkBytesPerSecond: 1e6 }, { sshSessions: 1 }) }),
});

function toSamples(raw: { gapMs: number; busy: Partial<ActivitySample> }[]): ActivitySample[] {
  let at = t0;
  return raw.map(({ gapMs, busy }) => {
    at += gapMs;
    return { at: new Date(at), movableWorkloads: 0, cpuLoadPerCore: 0.05, networkBytesPerSecond: 100, sshSessions: 0, ...busy };
  });
}

const isQuiet = (s: ActivitySample) => s.movableWorkloads <= 0 && s.cpuLoadPerCore <= 0.1 && s.networkBytesPerSecond <= 10_000 && s.sshSessions <= 0;

describe('idle detection properties', () => {
  it('agrees with a direct reading of the series: idle only after an unbroken quiet run as long as the grace period', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 120 }), (raw) => {
        const samples = toSamples(raw);
        const state = detectIdle(samples, thresholds);
        // Oracle: walk back from the last sample while samples are quiet and close together.
        let start = samples.length;
        while (start > 0) {
          const sample = at(samples, start - 1, 'sample');
          const next = samples[start];
          if (!isQuiet(sample) || (next !== undefined && next.at.getTime() - sample.at.getTime() > thresholds.maxSampleGapMs)) break;
          start--;
        }
        const quietSince = samples[start]?.at.getTime() ?? null;
        expect(state.quietSince?.getTime() ?? null).toBe(quietSince);
        const last = samples.at(-1)?.at.getTime();
        const idle = quietSince !== null && last !== undefined && last - quietSince >= thresholds.idleGracePeriodMs;
        expect(state.idleSince?.getTime() ?? null).toBe(idle ? quietSince + thresholds.idleGracePeriodMs : null);
      }),
      { numRuns: 2000 },
    );
  });

  it('announces idleness once per quiet run, never while busy', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 120 }), (raw) => {
        let state = NOT_IDLE;
        let announcedThisRun = false;
        for (const sample of toSamples(raw)) {
          const next = observeActivity(state, sample, thresholds);
          if (next.quietSince?.getTime() !== state.quietSince?.getTime()) announcedThisRun = false;
          if (becameIdle(state, next)) {
            expect(isQuiet(sample)).toBe(true);
            expect(announcedThisRun).toBe(false);
            announcedThisRun = true;
          }
          state = next;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
