import { Logger } from '@nestjs/common';
import type { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE, serviceModule, ServiceDescriptor } from '@somnus/runtime';
import { loadPowerConfig } from './config/power.config';
import { CarryOutPowerActionUseCase } from './commands/carry-out-power-action.use-case';
import { SqlPowerActionRepository } from './commands/power-action.repository';
import { PowerCommandsHandler } from './commands/power-commands.handler';
import { CheckSleepReadinessUseCase } from './preflight/check-sleep-readiness.use-case';
import { EnergyLedger } from './energy/energy-ledger';
import { ENERGY_SAMPLES, SqlEnergySamplesRepository } from './energy/energy-samples.repository';
import { EnergyTotalsHandler } from './energy/energy-totals.handler';
import { NodeDirectory } from './nodes/node-directory';
import { NodeProjectionHandler } from './nodes/node-projection.handler';
import { POWER_NODES, type PowerNodesRepository, SqlPowerNodesRepository } from './nodes/power-nodes.repository';
import { PowerStateBook } from './nodes/power-state-book';
import { ProjectNodeUseCase } from './nodes/project-node.use-case';
import { EnergySampleEntity } from './persistence/energy-sample.entity';
import { powerMigrations } from './persistence/migrations';
import { PowerActionEntity } from './persistence/power-action.entity';
import { PowerNodeEntity } from './persistence/power-node.entity';
import { PowerStateEntity } from './persistence/power-state.entity';
import { createPowerActuation, POWER_ACTUATION, POWER_CONFIG } from './power-actuation';

/** Owns actuation: drivers, rate limits, retries, wake verification, pre-sleep hooks and energy metering. */
export class PowerModule {}

/**
 * The power service with its settings read from `env` when the process starts it (tests pass their own;
 * see README for the variables).
 */
export function createPowerService(env: NodeJS.ProcessEnv = process.env): ServiceDescriptor {
  return {
    name: 'power',
    entities: [PowerNodeEntity, PowerStateEntity, PowerActionEntity, EnergySampleEntity],
    migrations: powerMigrations,
    module: (infrastructure) => {
      const config = loadPowerConfig(env);
      const actuation = createPowerActuation({ config, runtime: infrastructure.config });
      return serviceModule(PowerModule, infrastructure, {
        providers: [
          { provide: POWER_CONFIG, useValue: config },
          // Logged while the application starts, so it goes through the process's logger (or nowhere).
          {
            provide: 'POWER_STARTUP_LOG',
            useFactory: () =>
              new Logger('power').log(
                `drivers ${actuation.drivers.installed.join(', ')}; wake verified by ${actuation.verification}; ` +
                  `resume ${config.limits.resumesPerMinute}/min, suspend ${config.limits.suspendsPerMinute}/min, ${config.limits.concurrentWakes} concurrent wakes; ` +
                  `SSH keys in ${infrastructure.config.sshKeyDir}`,
              ),
          },
          { provide: POWER_ACTUATION, useValue: actuation },
          { provide: NodeDirectory, useValue: new NodeDirectory() },
          { provide: PowerStateBook, useValue: new PowerStateBook() },
          { provide: POWER_NODES, useFactory: (store: ServiceStore) => new SqlPowerNodesRepository(store.dataSource), inject: [SERVICE_STORE] },
          { provide: ENERGY_SAMPLES, useFactory: (store: ServiceStore) => new SqlEnergySamplesRepository(store.dataSource), inject: [SERVICE_STORE] },
          {
            provide: ProjectNodeUseCase,
            useFactory: (nodes: PowerNodesRepository, store: ServiceStore, directory: NodeDirectory, states: PowerStateBook) => new ProjectNodeUseCase(nodes, store, directory, states),
            inject: [POWER_NODES, SERVICE_STORE, NodeDirectory, PowerStateBook],
          },
          NodeProjectionHandler,
          { provide: CheckSleepReadinessUseCase, useValue: new CheckSleepReadinessUseCase({ drivers: actuation.drivers, timeoutMs: config.ssh.connectTimeoutMs }) },
          {
            provide: CarryOutPowerActionUseCase,
            inject: [SERVICE_STORE, NodeDirectory, PowerStateBook, CheckSleepReadinessUseCase],
            useFactory: (store: ServiceStore, nodes: NodeDirectory, states: PowerStateBook, readiness: CheckSleepReadinessUseCase) =>
              new CarryOutPowerActionUseCase({
                nodes,
                actions: new SqlPowerActionRepository(store.dataSource),
                transactions: store,
                states,
                wake: actuation.wake,
                sleep: actuation.sleep,
                locks: actuation.locks,
                readiness,
                clock: actuation.clock,
                log: new Logger('power:commands'),
              }),
          },
          PowerCommandsHandler,
          EnergyLedger,
          EnergyTotalsHandler,
        ],
        exports: [EnergyLedger],
      });
    },
  };
}

export const powerService: ServiceDescriptor = createPowerService();
