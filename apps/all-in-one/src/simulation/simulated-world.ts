import { join } from 'node:path';
import { FleetSimulator, generateDiurnalWorkload, PodArrival } from '@somnus/fleet-sim';

export interface SimulatedWorldOptions {
  dataDir: string;
  nodes: number;
  /** Time compression of the simulated machines and workload (60: a simulated hour per real minute). */
  speed: number;
  /** Nodes that start asleep. */
  asleep: number;
  /** Simulated seconds of demo workload. */
  workloadSeconds: number;
  seed: number;
}

/**
 * The simulated fleet of `npm start` and `npm run demo`: machines that answer Wake-on-LAN, SSH and a
 * Kubernetes API on loopback, with a diurnal workload. Writes what Somnus needs to reach it (inventory
 * file, kubeconfig, SSH client key) under the data directory and returns the settings naming them.
 */
export async function startSimulatedWorld(options: SimulatedWorldOptions): Promise<{ fleet: FleetSimulator; env: Record<string, string>; workload: PodArrival[] }> {
  const workload = generateDiurnalWorkload({ seed: options.seed, durationSeconds: options.workloadSeconds, peakPerHour: options.nodes * 6, startSecondOfDay: 17 * 3600 });
  // Kube-scheduler's MostAllocated scoring packs pods onto fewer nodes, as energy-aware clusters configure it.
  const fleet = await FleetSimulator.start({ nodes: options.nodes, speed: options.speed, asleep: options.asleep, workload, binder: { scoring: 'most-allocated' } });
  const access = fleet.writeAccessFiles(join(options.dataDir, 'fleet-sim'));
  return {
    fleet,
    workload,
    env: access.env,
  };
}

/**
 * Service settings scaled to a compressed demo (a real deployment keeps the defaults: a 10-minute idle
 * grace period, a minute between samples). Only variables the operator has not set are filled in.
 */
export const DEMO_SETTINGS: Record<string, string> = {
  LIFECYCLE_IDLE_GRACE_PERIOD_MS: '15000',
  LIFECYCLE_SAMPLE_INTERVAL_MS: '3000',
  LIFECYCLE_MIN_AWAKE_MS: '20000',
  LIFECYCLE_BARE_PODS_BLOCK_SLEEP: 'false',
  LIFECYCLE_EMPTYDIR_IS_LOCAL_STORAGE: 'false',
  SCHEDULER_TICK_MS: '3000',
  SCHEDULER_IDLE_GRACE_BREAK_EVENS: '0.1',
  SOMNUS_ENERGY_SAMPLE_MS: '10000',
  SOMNUS_VERIFY_POLL_MS: '250',
  SOMNUS_WAKE_RETRY_BASE_MS: '2000',
};

export function applyDefaults(env: NodeJS.ProcessEnv, defaults: Record<string, string>): void {
  for (const [key, value] of Object.entries(defaults)) if (env[key] === undefined) env[key] = value;
}
