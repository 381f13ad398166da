import { BATSIM_PROFILE, switchingWattsFor } from '@somnus/domain';
import { testNode } from '../drivers/testing/test-node';
import { alwaysOnWatts, drawWatts, profileOf } from './energy-draw';

describe('what a node draws in each power state', () => {
  const profile = { idleWatts: 80, peakWatts: 200, sleepWatts: 4, bootSeconds: 60, suspendSeconds: 5 };

  it('counts an awake node at idle when utilisation is unknown, and a sleeping one at its sleep draw', () => {
    expect(drawWatts(profile, 'on')).toBe(80);
    expect(drawWatts(profile, 'off')).toBe(4);
    expect(alwaysOnWatts(profile)).toBe(80);
  });

  it('counts an unknown state as awake, so no saving is claimed without evidence', () => {
    expect(drawWatts(profile, 'unknown')).toBe(drawWatts(profile, 'on'));
  });

  it('uses the switching draw while waking and suspending', () => {
    expect(drawWatts(profile, 'waking')).toBe(switchingWattsFor(profile).on);
    expect(drawWatts(profile, 'suspending')).toBe(switchingWattsFor(profile).off);
  });

  it("falls back to Batsim's profile for a node without one", () => {
    const node = testNode();
    expect(node.powerProfile).toBeUndefined();
    expect(profileOf(node)).toEqual(BATSIM_PROFILE);
    expect(profileOf(testNode({ powerProfile: profile }))).toEqual(profile);
  });
});
