import { AlwaysOnPolicy, SlurmPowerSavingPolicy, createPolicy, POLICY_NAMES } from '@somnus/policy';
import { BATSIM_PROFILE, BATSIM_SWITCHING_WATTS, joulesToKWh } from '@somnus/domain';
import { clairvoyantJoules, energyJoules } from './metrics';
import { replay } from './replay';
import { simulate } from './simulator';
import type { ReplayJob, ReplayWorkload } from './workload';

const P = BATSIM_PROFILE;
const jobOf = (index: number, submit: number, runtime: number, processors = 1): ReplayJob => ({ index, id: index + 1, submit, runtime, estimate: runtime, processors, memoryKBPerProcessor: 0 });
const wholeNodes = (count: number, jobs: ReplayJob[]): ReplayWorkload => ({
  jobs,
  nodes: Array.from({ length: count }, () => ({ pool: 'p', cores: 1, memoryKB: 0 })),
  wholeNodes: true,
  skipped: 0,
  epochStart: 0,
});

describe('replay simulator', () => {
  it('charges always-on with busy power while a job runs and idle power otherwise', () => {
    const workload = wholeNodes(2, [jobOf(0, 0, 100)]);
    const result = simulate(workload, new AlwaysOnPolicy(), { profile: P, horizonSeconds: 100 });
    expect(result.joules).toBeCloseTo(100 * P.peakWatts + 100 * P.idleWatts, 6);
    expect(result.busyJoules).toBeCloseTo(100 * P.peakWatts, 6);
  });

  it('follows Slurm by hand: suspend after 600 s idle, resume on the next job, the job waits one boot', () => {
    const workload = wholeNodes(1, [jobOf(0, 0, 100), jobOf(1, 2000, 100)]);
    const result = simulate(workload, new SlurmPowerSavingPolicy(), { profile: P, horizonSeconds: 2100 });
    // idle from 100 s; suspended at 700 s (6.1 s); asleep until 2000 s; boot 151.5 s; job 2 runs 2151.5-2251.5 s.
    expect(result.waits[1]).toBeCloseTo(P.bootSeconds, 6);
    expect(result.transitions).toBe(2);
    const expected =
      200 * P.peakWatts + 600 * P.idleWatts + BATSIM_SWITCHING_WATTS.off * P.suspendSeconds + (2000 - 700 - P.suspendSeconds) * P.sleepWatts + BATSIM_SWITCHING_WATTS.on * P.bootSeconds;
    expect(result.joules).toBeCloseTo(expected, 6);
  });

  it('asks an event-driven policy at the job arrival, a grid policy at its next 10 s tick', () => {
    // The same Slurm rule both ways. The node sleeps at 700 s (600 s after the first job); the second job
    // arrives at 2003 s. On the grid the wake waits for the 2010 s tick: 7 s + one boot. Event-driven: one boot.
    class EventDrivenSlurm extends SlurmPowerSavingPolicy {
      readonly eventDriven = true;
    }
    const workload = wholeNodes(1, [jobOf(0, 0, 100), jobOf(1, 2003, 100)]);
    const grid = simulate(workload, new SlurmPowerSavingPolicy(), { profile: P, horizonSeconds: 2300 });
    const eventDriven = simulate(workload, new EventDrivenSlurm(), { profile: P, horizonSeconds: 2300 });
    expect(grid.waits[1]).toBeCloseTo(7 + P.bootSeconds, 6);
    expect(eventDriven.waits[1]).toBeCloseTo(P.bootSeconds, 6);
    expect(eventDriven.transitions).toBe(2);
  });

  it('backfills a short job past a blocked head without delaying it (EASY)', () => {
    // 2 nodes. Job A holds one node until 100 s; head B needs 2 nodes (waits until 100 s);
    // C (1 node, 50 s) fits before B's reservation and starts at once; D (1 node, 500 s) would delay B, so it waits.
    const workload = wholeNodes(2, [jobOf(0, 0, 100), jobOf(1, 1, 100, 2), jobOf(2, 2, 50), jobOf(3, 3, 500)]);
    const result = simulate(workload, new AlwaysOnPolicy(), { profile: P, horizonSeconds: 1000 });
    expect(Array.from(result.waits)).toEqual([0, 99, 0, 197]);
  });

  it('learns to hold the room of a job chain under a wait budget, where a fixed idle timer lets every job wait', () => {
    // A user's 8-node job every 70 minutes for a week, 10 minutes each, on an 8-node fleet. Slurm suspends after
    // 600 s idle, so each job waits for a boot. The no-wait preset starts with a one-hour hold; the first
    // arrivals find the fleet asleep, each miss lengthens the hold, and once it exceeds the gap the rest start at once.
    const jobs = Array.from({ length: 144 }, (_, i) => jobOf(i, 3600 + i * 70 * 60, 600, 8));
    const { report } = replay(wholeNodes(8, jobs), ['somnus-no-wait', 'slurm'], P);
    const noWait = report.policies.find((p) => p.name === 'somnus-no-wait')!;
    const slurm = report.policies.find((p) => p.name === 'slurm')!;
    expect(slurm.waitP50S).toBeGreaterThanOrEqual(P.bootSeconds);
    expect(noWait.waitP95S).toBe(0);
    expect(noWait.energyKWh).toBeLessThan(report.policies.find((p) => p.name === 'always-on')?.energyKWh ?? Number.POSITIVE_INFINITY);
  });

  it('gives the same result twice (determinism)', () => {
    const jobs = Array.from({ length: 200 }, (_, i) => jobOf(i, i * 137, 50 + ((i * 7919) % 900), 1 + (i % 4)));
    const run = (): string => JSON.stringify(replay(wholeNodes(8, jobs), [...POLICY_NAMES], P).report);
    expect(run()).toBe(run());
  });

  it('puts the clairvoyant between the floor and always-on, for every hand-made trace', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const jobs = Array.from({ length: 60 }, (_, i) => jobOf(i, i * 400 * seed, 30 + ((i * seed * 7919) % 2000), 1 + ((i + seed) % 3)));
      const workload = wholeNodes(4, jobs);
      const horizon = jobs.reduce((e, j) => Math.max(e, j.submit + j.runtime), 0);
      const alwaysOn = simulate(workload, createPolicy('always-on'), { profile: P, horizonSeconds: horizon, recordBusyIntervals: true });
      const clairvoyant = clairvoyantJoules(alwaysOn, P, 4, alwaysOn.endSeconds);
      expect(clairvoyant).toBeLessThanOrEqual(energyJoules(alwaysOn, alwaysOn.endSeconds) + 1e-6);
      expect(clairvoyant).toBeGreaterThanOrEqual(alwaysOn.busyJoules - 1e-6);
    }
  });

  it('reports every policy with the issue JSON fields', () => {
    const jobs = Array.from({ length: 50 }, (_, i) => jobOf(i, i * 900, 300, 1 + (i % 2)));
    const { report } = replay(wholeNodes(4, jobs), [...POLICY_NAMES], P);
    expect(report.policies.map((p) => p.name)).toEqual([...POLICY_NAMES]);
    for (const p of report.policies) {
      expect(Object.keys(p)).toEqual(expect.arrayContaining(['name', 'energyKWh', 'savingsPct', 'waitP50S', 'waitP95S', 'waitP99S', 'delayedJobs', 'transitions']));
    }
    const alwaysOn = report.policies.find((p) => p.name === 'always-on')!;
    expect(report.clairvoyant.energyKWh).toBeLessThanOrEqual(alwaysOn.energyKWh);
    expect(report.floor.energyKWh).toBeLessThanOrEqual(report.clairvoyant.energyKWh);
    expect(joulesToKWh(3.6e6)).toBe(1);
  });
});
