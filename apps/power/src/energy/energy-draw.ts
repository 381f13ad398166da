// What a node draws in each power state, from its power profile (Batsim's when it has none). Utilisation is
// not known to the power service, so an awake node counts at its idle draw: savings are never overstated.
import type { Node, PowerState } from '@somnus/contracts';
import { awakeWatts, BATSIM_PROFILE, PowerProfile, switchingWattsFor } from '@somnus/domain';

export function profileOf(node: Node): PowerProfile {
  return node.powerProfile ?? BATSIM_PROFILE;
}

export function drawWatts(profile: PowerProfile, state: PowerState, utilisation = 0): number {
  switch (state) {
    case 'off':
      return profile.sleepWatts;
    case 'suspending':
      return switchingWattsFor(profile).off;
    case 'waking':
      return switchingWattsFor(profile).on;
    case 'on':
    case 'unknown':
      // Unknown counts as awake: we do not claim a saving we cannot show.
      return awakeWatts(profile, utilisation);
  }
}

/** The counterfactual: the same node awake all along. */
export function alwaysOnWatts(profile: PowerProfile, utilisation = 0): number {
  return awakeWatts(profile, utilisation);
}
