import { assessUps, upsStatusFlags } from './ups-status';

const thresholds = { minRuntimeSeconds: 300 };

describe('assessUps', () => {
  it('is online on line power, noting charging and a worn battery', () => {
    const result = assessUps({ status: 'OL CHRG RB', batteryCharge: 64, batteryRuntimeSeconds: 900 }, thresholds);
    expect(result).toEqual({
      condition: 'online',
      flags: ['OL', 'CHRG', 'RB'],
      reason: 'on line power [OL CHRG RB] (charge 64 %, runtime 900 s; charging; the battery needs replacing)',
    });
  });

  it('is on battery on OB with enough runtime', () => {
    expect(assessUps({ status: 'OB DISCHRG', batteryCharge: 80, batteryRuntimeSeconds: 1200 }, thresholds)).toMatchObject({
      condition: 'on-battery',
      reason: 'on battery [OB DISCHRG] (charge 80 %, runtime 1200 s; discharging)',
    });
    expect(assessUps({ status: 'OB' }, thresholds)).toEqual({ condition: 'on-battery', flags: ['OB'], reason: 'on battery [OB]' });
  });

  it('is low battery on OB LB, on FSD, or on battery below the runtime threshold', () => {
    expect(assessUps({ status: 'OB LB', batteryRuntimeSeconds: 1000 }, thresholds)).toMatchObject({ condition: 'low-battery', reason: expect.stringContaining('reports low battery') });
    expect(assessUps({ status: 'OL FSD' }, thresholds)).toMatchObject({ condition: 'low-battery', reason: expect.stringContaining('forced shutdown (FSD)') });
    expect(assessUps({ status: 'OB', batteryRuntimeSeconds: 299 }, thresholds)).toMatchObject({
      condition: 'low-battery',
      reason: expect.stringContaining('299 s of runtime left, below the 300 s threshold'),
    });
    expect(assessUps({ status: 'OB', batteryRuntimeSeconds: 300 }, thresholds).condition).toBe('on-battery');
  });

  it('uses the charge threshold only when one is set', () => {
    expect(assessUps({ status: 'OB', batteryCharge: 15 }, thresholds).condition).toBe('on-battery');
    expect(assessUps({ status: 'OB', batteryCharge: 15 }, { ...thresholds, minChargePercent: 20 })).toMatchObject({
      condition: 'low-battery',
      reason: expect.stringContaining('15 % charge, below the 20 % threshold'),
    });
  });

  it('reads OL LB as online: the battery recharges after an outage', () => {
    expect(assessUps({ status: 'OL LB CHRG', batteryRuntimeSeconds: 60 }, thresholds)).toMatchObject({
      condition: 'online',
      reason: expect.stringContaining('battery low while it recharges'),
    });
  });

  it('says unknown when the status is neither OL nor OB', () => {
    expect(assessUps({ status: 'WAIT' }, thresholds)).toMatchObject({ condition: 'unknown', reason: expect.stringContaining('neither on line (OL) nor on battery (OB) [WAIT]') });
    expect(assessUps({ status: '  ' }, thresholds)).toMatchObject({ condition: 'unknown', reason: expect.stringContaining('[empty]') });
    expect(assessUps({ status: 'OFF' }, thresholds)).toMatchObject({ condition: 'unknown', reason: expect.stringContaining('its output is off') });
  });

  it('ignores unusable figures', () => {
    expect(assessUps({ status: 'OB', batteryRuntimeSeconds: Number.NaN, batteryCharge: -5 }, thresholds)).toEqual({ condition: 'on-battery', flags: ['OB'], reason: 'on battery [OB]' });
  });
});

describe('upsStatusFlags', () => {
  it('splits, upper-cases and drops repeats', () => {
    expect(upsStatusFlags(' ob  lb OB ')).toEqual(['OB', 'LB']);
  });
});
