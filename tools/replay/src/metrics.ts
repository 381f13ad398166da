import { idleGapJoules, joulesToKWh, type PowerProfile } from '@somnus/domain';
import { at } from '@somnus/contracts';
import type { SimulationResult } from './simulator';

export interface PolicyFigures {
  readonly name: string;
  readonly energyKWh: number;
  readonly savingsPct: number;
  /** Share of the clairvoyant's savings this policy captures. */
  readonly clairvoyantSharePct: number;
  readonly waitP50S: number;
  readonly waitP95S: number;
  readonly waitP99S: number;
  readonly delayedJobs: number;
  readonly transitions: number;
  readonly maxTransitionsPerNodeDay: number;
}

/** Nearest-rank percentile of a sorted array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return at(sorted, Math.min(sorted.length - 1, Math.max(0, rank - 1)), 'percentile rank');
}

/**
 * Energy over [0, commonEnd]: a run that finished earlier is extended at its final draw, so every policy is
 * charged over the same span.
 */
export function energyJoules(result: SimulationResult, commonEnd: number): number {
  return result.joules + result.finalWatts * Math.max(0, commonEnd - result.endSeconds);
}

export function figuresFor(
  result: SimulationResult,
  alwaysOn: SimulationResult,
  commonEnd: number,
  clairvoyantJoules: number,
): PolicyFigures {
  const reference = energyJoules(alwaysOn, commonEnd);
  const energy = energyJoules(result, commonEnd);
  // Added wait per job against the always-on run; a job that happens to start earlier counts as 0.
  if (result.waits.length !== alwaysOn.waits.length) {
    throw new Error(`${result.policy} ran ${result.waits.length} jobs and always-on ${alwaysOn.waits.length}: compare runs of one workload`);
  }
  const added = result.waits.map((wait, i) => Math.max(0, wait - at(alwaysOn.waits, i, 'always-on wait')));
  let delayed = 0;
  for (const wait of added) if (wait > 300) delayed++;
  added.sort();
  const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
  const possible = reference - clairvoyantJoules;
  return {
    name: result.policy,
    energyKWh: round(joulesToKWh(energy), 2),
    savingsPct: round(((reference - energy) / reference) * 100, 2),
    clairvoyantSharePct: possible > 0 ? round(((reference - energy) / possible) * 100, 1) : 0,
    waitP50S: round(percentile(added, 50)),
    waitP95S: round(percentile(added, 95)),
    waitP99S: round(percentile(added, 99)),
    delayedJobs: delayed,
    transitions: result.transitions,
    maxTransitionsPerNodeDay: result.maxTransitionsPerNodeDay,
  };
}

/**
 * Perfect foresight on the always-on schedule: every idle gap longer than the break-even time is slept
 * through with the wake timed exactly, so no job waits; the gap after the last job ends asleep.
 */
export function clairvoyantJoules(alwaysOn: SimulationResult, profile: PowerProfile, nodes: number, commonEnd: number): number {
  const intervals = alwaysOn.busyIntervals;
  if (!intervals) throw new Error('the always-on run must record busy intervals');
  let joules = alwaysOn.busyJoules;
  for (let i = 0; i < nodes; i++) {
    let cursor = 0;
    for (const [start, end] of at(intervals, i, 'busy intervals of a node')) {
      if (start > cursor) joules += idleGapJoules(profile, start - cursor, true);
      cursor = Math.max(cursor, end);
    }
    if (commonEnd > cursor) joules += idleGapJoules(profile, commonEnd - cursor, false);
  }
  return joules;
}
