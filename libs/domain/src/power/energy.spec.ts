import { BATSIM_PROFILE } from './power-model';
import { breakEvenSeconds, EnergyMeter, idleGapJoules, joulesToKWh, powerCycleJoules } from './energy';

describe('power cycle economics', () => {
  it('works out the Batsim break-even time by hand: (616.1 + 18967.8 - 9.75 * 157.6) / 85.25', () => {
    expect(powerCycleJoules(BATSIM_PROFILE)).toBeCloseTo(101 * 6.1 + 125.2 * 151.5, 6);
    expect(breakEvenSeconds(BATSIM_PROFILE)).toBeCloseTo((616.1 + 18967.8 - 9.75 * 157.6) / 85.25, 6);
  });

  it('never lets the break-even time be shorter than a suspend plus a boot', () => {
    const cheap = { ...BATSIM_PROFILE, idleWatts: 1000 };
    expect(breakEvenSeconds(cheap)).toBeCloseTo(157.6, 6);
  });

  it('spends short gaps idle and long gaps asleep', () => {
    expect(idleGapJoules(BATSIM_PROFILE, 100)).toBeCloseTo(9500, 6);
    const long = idleGapJoules(BATSIM_PROFILE, 3600);
    expect(long).toBeCloseTo(616.1 + 18967.8 + 9.75 * (3600 - 157.6), 6);
    expect(long).toBeLessThan(95 * 3600);
  });
});

describe('EnergyMeter', () => {
  it('integrates a piecewise-constant draw', () => {
    const meter = new EnergyMeter(0, 100);
    meter.setDraw(10, 50);
    expect(meter.joulesAt(20)).toBe(1500);
    expect(joulesToKWh(3.6e6)).toBe(1);
  });

  it('refuses to go back in time', () => {
    const meter = new EnergyMeter(10);
    expect(() => meter.setDraw(5, 1)).toThrow(/back in time/);
  });
});
