import { BATSIM_PROFILE, BATSIM_SWITCHING_WATTS, type PowerProfile } from './power-model';

/** Draw while a node switches state, in watts. */
export interface SwitchingWatts {
  /** While booting (resuming from sleep). */
  readonly on: number;
  /** While suspending. */
  readonly off: number;
}

/**
 * The draw while switching when nothing better is known: Batsim's figures for Batsim's own profile, else the
 * idle draw for both directions (a booting machine runs its fans and disks at about idle power).
 */
export function switchingWattsFor(profile: PowerProfile): SwitchingWatts {
  const isBatsim =
    profile.idleWatts === BATSIM_PROFILE.idleWatts &&
    profile.bootSeconds === BATSIM_PROFILE.bootSeconds &&
    profile.suspendSeconds === BATSIM_PROFILE.suspendSeconds;
  return isBatsim ? BATSIM_SWITCHING_WATTS : { on: profile.idleWatts, off: profile.idleWatts };
}

/** Energy in joules of one full power cycle: suspend, then boot. */
export function powerCycleJoules(profile: PowerProfile, switching: SwitchingWatts = switchingWattsFor(profile)): number {
  return switching.off * profile.suspendSeconds + switching.on * profile.bootSeconds;
}

/**
 * The shortest idle gap, in seconds, worth sleeping through: below it, staying awake and idle costs less than
 * suspending, sleeping and booting again. Never shorter than the cycle itself (suspend + boot), since a node
 * cannot be back sooner than that.
 *
 * idle * T = E_cycle + sleep * (T - suspend - boot)  =>  T = (E_cycle - sleep * (suspend + boot)) / (idle - sleep)
 */
export function breakEvenSeconds(profile: PowerProfile, switching: SwitchingWatts = switchingWattsFor(profile)): number {
  const cycleSeconds = profile.suspendSeconds + profile.bootSeconds;
  const saving = profile.idleWatts - profile.sleepWatts;
  if (saving <= 0) return Number.POSITIVE_INFINITY;
  const t = (powerCycleJoules(profile, switching) - profile.sleepWatts * cycleSeconds) / saving;
  return Math.max(cycleSeconds, t);
}

/**
 * The least energy, in joules, a node can spend over an idle gap of `gapSeconds` known in advance: idle
 * through it, or sleep through it with the wake timed to finish exactly at its end. `needsWake` is false for
 * the gap after the last work, which ends asleep.
 */
export function idleGapJoules(
  profile: PowerProfile,
  gapSeconds: number,
  needsWake = true,
  switching: SwitchingWatts = switchingWattsFor(profile),
): number {
  const stayIdle = profile.idleWatts * gapSeconds;
  const switchSeconds = profile.suspendSeconds + (needsWake ? profile.bootSeconds : 0);
  if (gapSeconds < switchSeconds) return stayIdle;
  const switchJoules = switching.off * profile.suspendSeconds + (needsWake ? switching.on * profile.bootSeconds : 0);
  return Math.min(stayIdle, switchJoules + profile.sleepWatts * (gapSeconds - switchSeconds));
}

export const JOULES_PER_KWH = 3.6e6;

export function joulesToKWh(joules: number): number {
  return joules / JOULES_PER_KWH;
}

/**
 * Integrates a piecewise-constant power draw over time: tell it the draw whenever it changes, read the energy
 * at any later time. Time is a parameter in seconds (virtual or real), never read from a clock.
 */
export class EnergyMeter {
  private joules = 0;
  private watts = 0;
  private since: number;

  constructor(startSeconds: number, watts = 0) {
    this.since = startSeconds;
    this.watts = watts;
  }

  /** The draw changes to `watts` at `atSeconds` (not before the previous change). */
  setDraw(atSeconds: number, watts: number): void {
    this.advance(atSeconds);
    this.watts = watts;
  }

  get currentWatts(): number {
    return this.watts;
  }

  /** Energy in joules from the start to `atSeconds`. */
  joulesAt(atSeconds: number): number {
    this.advance(atSeconds);
    return this.joules;
  }

  private advance(atSeconds: number): void {
    if (atSeconds < this.since) throw new Error(`energy meter cannot go back in time (${atSeconds} < ${this.since})`);
    this.joules += this.watts * (atSeconds - this.since);
    this.since = atSeconds;
  }
}
