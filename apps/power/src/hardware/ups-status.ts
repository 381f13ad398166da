/**
 * What a UPS's `ups.status` means for the fleet (pure). NUT reports flags separated by spaces: OL (on line
 * power), OB (on battery), LB (low battery), CHRG / DISCHRG, RB (replace battery), BYPASS, OVER, TRIM / BOOST,
 * CAL, OFF, FSD (forced shutdown, set by upsd's primary upsmon), ...
 *
 * The rule follows upsmon's "critical" test, plus a runtime threshold of our own:
 *   - low-battery: FSD, or OB with LB, or OB with battery.runtime below the threshold (or battery.charge
 *     below the optional charge threshold). Time to put nodes down, not to wake any.
 *   - on-battery:  OB otherwise.
 *   - online:      OL without OB (OL LB is a battery recharging after an outage: online, said in the reason).
 *   - unknown:     neither OL nor OB (a driver still starting with WAIT, an output switched OFF, an empty status).
 */

export type UpsCondition = 'online' | 'on-battery' | 'low-battery';

/** One reading of a UPS, as the NUT client returns it. */
export interface UpsReading {
  /** `ups.status` as upsd reports it, e.g. "OB DISCHRG LB". */
  readonly status: string;
  /** `battery.charge`, percent, when the UPS reports it. */
  readonly batteryCharge?: number;
  /** `battery.runtime`, seconds, when the UPS reports it. */
  readonly batteryRuntimeSeconds?: number;
}

export interface UpsThresholds {
  /** On battery with less runtime than this is low battery. */
  readonly minRuntimeSeconds: number;
  /** On battery with less charge (percent) than this is low battery; unset = only the UPS's LB flag counts. */
  readonly minChargePercent?: number;
}

export type UpsAssessment =
  | { readonly condition: UpsCondition; readonly reason: string; readonly flags: readonly string[] }
  | { readonly condition: 'unknown'; readonly reason: string; readonly flags: readonly string[] };

const NOTES: Readonly<Record<string, string>> = {
  CHRG: 'charging',
  DISCHRG: 'discharging',
  RB: 'the battery needs replacing',
  BYPASS: 'on bypass (the load is not protected)',
  OVER: 'overloaded',
  TRIM: 'trimming high input voltage',
  BOOST: 'boosting low input voltage',
  CAL: 'calibrating',
  ALARM: 'an alarm is raised',
  OFF: 'its output is off',
};

/** The flags of a `ups.status` value, upper-cased, without repeats. */
export function upsStatusFlags(status: string): string[] {
  return [...new Set(status.trim().toUpperCase().split(/\s+/).filter(Boolean))];
}

function figure(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}

export function assessUps(reading: UpsReading, thresholds: UpsThresholds): UpsAssessment {
  const flags = upsStatusFlags(reading.status);
  const has = (flag: string): boolean => flags.includes(flag);
  const charge = figure(reading.batteryCharge);
  const runtime = figure(reading.batteryRuntimeSeconds);
  const battery = [charge !== undefined ? `charge ${charge} %` : undefined, runtime !== undefined ? `runtime ${Math.round(runtime)} s` : undefined].filter(Boolean).join(', ');
  const notes = flags.map((flag) => NOTES[flag]).filter((note): note is string => note !== undefined);
  const tail = [battery, ...notes].filter(Boolean).join('; ');
  const said = (text: string): string => (tail ? `${text} (${tail})` : text);
  const shown = flags.join(' ') || 'empty';

  if (has('FSD')) return { condition: 'low-battery', flags, reason: said(`forced shutdown (FSD) is set on the UPS [${shown}]`) };
  if (has('OB')) {
    if (has('LB')) return { condition: 'low-battery', flags, reason: said(`on battery and the UPS reports low battery [${shown}]`) };
    if (runtime !== undefined && runtime < thresholds.minRuntimeSeconds) {
      return { condition: 'low-battery', flags, reason: said(`on battery with ${Math.round(runtime)} s of runtime left, below the ${thresholds.minRuntimeSeconds} s threshold [${shown}]`) };
    }
    if (charge !== undefined && thresholds.minChargePercent !== undefined && charge < thresholds.minChargePercent) {
      return { condition: 'low-battery', flags, reason: said(`on battery with ${charge} % charge, below the ${thresholds.minChargePercent} % threshold [${shown}]`) };
    }
    return { condition: 'on-battery', flags, reason: said(`on battery [${shown}]`) };
  }
  if (has('OL')) {
    const recharging = has('LB') ? ', battery low while it recharges' : '';
    return { condition: 'online', flags, reason: said(`on line power${recharging} [${shown}]`) };
  }
  return { condition: 'unknown', flags, reason: said(`the status says neither on line (OL) nor on battery (OB) [${shown}]`) };
}
