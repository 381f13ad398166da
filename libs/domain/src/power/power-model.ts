import type { z } from 'zod';
import type { powerProfileSchema } from '@somnus/contracts';

export type PowerProfile = z.infer<typeof powerProfileSchema>;

/**
 * Batsim's energy platform (oar-team/batsim, platforms/energy_platform_homogeneous_no_net_128.xml), the
 * default when a node has no measured profile: idle 95 W, full load 190.74 W, sleep 9.75 W, switching off
 * 6.1 s, switching on 151.5 s.
 */
export const BATSIM_PROFILE: PowerProfile = {
  idleWatts: 95,
  peakWatts: 190.74,
  sleepWatts: 9.75,
  bootSeconds: 151.5,
  suspendSeconds: 6.1,
};

/** Draw while switching, from the same platform: on 125.2 W, off 101 W. */
export const BATSIM_SWITCHING_WATTS = { on: 125.2, off: 101 } as const;

/**
 * Wall power of an awake node at a utilisation in [0, 1]: linear interpolation of the SPECpower curve when
 * the profile has one, else linear between idle and peak.
 */
export function awakeWatts(profile: PowerProfile, utilisation: number): number {
  const u = Math.min(1, Math.max(0, utilisation));
  const curve = profile.curveWatts;
  if (!curve) return profile.idleWatts + (profile.peakWatts - profile.idleWatts) * u;
  const position = u * 10;
  const low = Math.floor(position);
  const high = Math.min(10, low + 1);
  const lowWatts = curve[low];
  const highWatts = curve[high];
  if (lowWatts === undefined || highWatts === undefined) {
    throw new RangeError(`the power curve has ${curve.length} points; it needs 11 (watts at 0 %, 10 %, ..., 100 % load)`);
  }
  return lowWatts + (highWatts - lowWatts) * (position - low);
}
