export * from './power.module';
export { loadPowerConfig, powerEnvSchema } from './config/power.config';
export type { PowerConfig } from './config/power.config';
export { EnergyLedger } from './energy/energy-ledger';
export type { EnergyQuery, EnergyTotals, NodeEnergyTotals } from './energy/energy-ledger';
export { PowerCommandsHandler } from './commands/power-commands.handler';
export { NodeProjectionHandler } from './nodes/node-projection.handler';
export { NodeDirectory } from './nodes/node-directory';
export { PowerStateBook } from './nodes/power-state-book';
