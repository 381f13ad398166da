import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LoggerService } from '@nestjs/common';
import { z } from 'zod';
import { describeIssues } from '@somnus/contracts';
import type { FleetSimulator } from '@somnus/fleet-sim';
import { Host, loadRuntimeConfig, RuntimeConfig, startHost } from '@somnus/runtime';
import { SERVICES } from './services';
import { ConsoleReporter } from './simulation/console-reporter';
import { applyDefaults, DEMO_SETTINGS, startSimulatedWorld } from './simulation/simulated-world';

/** Settings of the simulated fleet (`npm start` acts on it unless SOMNUS_SIMULATION=off). */
export const simulationEnvSchema = z.object({
  SOMNUS_SIMULATION: z.enum(['on', 'off']).default('on'),
  SOMNUS_SIM_NODES: z.coerce.number().int().min(1).max(500).default(24),
  SOMNUS_SIM_SPEED: z.coerce.number().positive().max(10_000).default(120),
  SOMNUS_SIM_ASLEEP: z.coerce.number().int().min(0).default(6),
  SOMNUS_SIM_SEED: z.coerce.number().int().default(1),
  SOMNUS_SUMMARY_EVERY_MS: z.coerce.number().int().positive().default(30_000),
});

export interface AllInOne {
  host: Host;
  config: RuntimeConfig;
  fleet?: FleetSimulator;
  reporter?: ConsoleReporter;
  stop(): Promise<void>;
}

/**
 * Every service in one process with embedded defaults and, unless turned off, the simulated fleet as the
 * world to act on, with the live log of decisions and a periodic summary.
 */
export async function startAllInOne(options: { logger?: LoggerService | false; reporterOutput?: (line: string) => void } = {}): Promise<AllInOne> {
  // The services read their settings from the process environment when they start, so the simulated world's
  // settings go there too.
  const env = process.env;
  const parsed = simulationEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid simulation settings: ${describeIssues(parsed.error)}`);
  const simulation = parsed.data;
  let fleet: FleetSimulator | undefined;
  const baseConfig = loadRuntimeConfig(env, { SOMNUS_MODE: (env.SOMNUS_MODE as 'all-in-one' | 'distributed' | undefined) ?? 'all-in-one' });
  if (simulation.SOMNUS_SIMULATION === 'on') {
    const world = await startSimulatedWorld({
      dataDir: baseConfig.dataDir,
      nodes: simulation.SOMNUS_SIM_NODES,
      speed: simulation.SOMNUS_SIM_SPEED,
      asleep: Math.min(simulation.SOMNUS_SIM_ASLEEP, simulation.SOMNUS_SIM_NODES),
      workloadSeconds: 7 * 86_400,
      seed: simulation.SOMNUS_SIM_SEED,
    });
    fleet = world.fleet;
    Object.assign(env, world.env);
    // The simulated world is new at every start, so what the services knew of the last one would be wrong:
    // its database starts afresh too (a real fleet, SOMNUS_SIMULATION=off, keeps $SOMNUS_DATA_DIR/pgdata).
    const simulatedDb = join(baseConfig.dataDir, 'sim-pgdata');
    rmSync(simulatedDb, { recursive: true, force: true });
    env.SOMNUS_EMBEDDED_DB_DIR ??= simulatedDb;
    applyDefaults(env, DEMO_SETTINGS);
  }
  try {
    const config = loadRuntimeConfig(env, { SOMNUS_MODE: baseConfig.SOMNUS_MODE });
    const host = await startHost({ descriptors: Object.values(SERVICES), config, logger: options.logger });
    let reporter: ConsoleReporter | undefined;
    if (fleet) {
      reporter = new ConsoleReporter(host.infrastructure.get('inventory')!.bus, fleet, options.reporterOutput);
      await reporter.start(simulation.SOMNUS_SUMMARY_EVERY_MS);
    }
    return {
      host,
      config,
      fleet,
      reporter,
      stop: async () => {
        await reporter?.stop();
        await host.close();
        await fleet?.stop();
      },
    };
  } catch (error) {
    await fleet?.stop();
    throw error;
  }
}
