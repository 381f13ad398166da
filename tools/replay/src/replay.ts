import { createPolicy, type PolicyName, type SomnusOptions } from '@somnus/policy';
import { joulesToKWh, type PowerProfile } from '@somnus/domain';
import { clairvoyantJoules, energyJoules, figuresFor, type PolicyFigures } from './metrics';
import { simulate, type SimulationResult } from './simulator';
import type { ReplayWorkload } from './workload';

export interface ReplayReport {
  readonly trace: { readonly jobs: number; readonly days: number; readonly nodes: number; readonly skippedJobs: number };
  readonly policies: PolicyFigures[];
  readonly clairvoyant: { readonly energyKWh: number; readonly savingsPct: number };
  readonly floor: { readonly energyKWh: number };
}

export interface ReplayRun {
  readonly report: ReplayReport;
  readonly results: ReadonlyMap<string, SimulationResult>;
}

/** Replays one workload under each policy (always-on is always run: it is the reference). */
export function replay(
  workload: ReplayWorkload,
  policies: readonly PolicyName[],
  profile: PowerProfile,
  options: {
    /** Settings on top of the default for `somnus`, and on top of the no-wait preset for `somnus-no-wait`. */
    somnus?: Partial<SomnusOptions>;
    somnusNoWait?: Partial<SomnusOptions>;
    onProgress?: (policy: string, share: number) => void;
  } = {},
): ReplayRun {
  const jobs = workload.jobs;
  const horizon = jobs.reduce((end, job) => Math.max(end, job.submit + job.runtime), 0);
  const run = (name: PolicyName): SimulationResult =>
    simulate(workload, createPolicy(name, name === 'somnus' ? options.somnus : name === 'somnus-no-wait' ? options.somnusNoWait : undefined), {
      profile,
      horizonSeconds: horizon,
      recordBusyIntervals: name === 'always-on',
      onProgress: options.onProgress ? (share) => options.onProgress!(name, share) : undefined,
    });
  const results = new Map<string, SimulationResult>();
  results.set('always-on', run('always-on'));
  for (const name of policies) if (!results.has(name)) results.set(name, run(name));
  const alwaysOn = results.get('always-on')!;
  const commonEnd = Math.max(...[...results.values()].map((r) => r.endSeconds));
  const clairvoyant = clairvoyantJoules(alwaysOn, profile, workload.nodes.length, commonEnd);
  const reference = energyJoules(alwaysOn, commonEnd);
  const round2 = (x: number): number => Math.round(x * 100) / 100;
  return {
    results,
    report: {
      trace: { jobs: jobs.length, days: round2(horizon / 86400), nodes: workload.nodes.length, skippedJobs: workload.skipped },
      policies: policies.map((name) => figuresFor(results.get(name)!, alwaysOn, commonEnd, clairvoyant)),
      clairvoyant: { energyKWh: round2(joulesToKWh(clairvoyant)), savingsPct: round2(((reference - clairvoyant) / reference) * 100) },
      floor: { energyKWh: round2(joulesToKWh(alwaysOn.busyJoules)) },
    },
  };
}
