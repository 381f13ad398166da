// What the power service reads from the hardware besides its drivers: UPSes through NUT's upsd.
export * from './nut-client.adapter';
export * from './ups-settings';
export * from './ups-status';
