import { at } from '@somnus/contracts';
import { PodArrival } from './pod-arrival';

/** mulberry32: a small, fast, seeded generator, so a seed always gives the same workload. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface DiurnalWorkloadOptions {
  seed?: number;
  /** Simulated length of the workload. Default one day. */
  durationSeconds?: number;
  /** Simulated second of day the run starts at (0 = midnight). Default 0. */
  startSecondOfDay?: number;
  /** Arrivals per hour at the daily peak (14:00). Default 60. */
  peakPerHour?: number;
  /** Arrivals per hour at night, as a share of the peak. Default 0.1. */
  nightShare?: number;
  /** Typical run time; actual ones are log-normally spread around it. Default 20 minutes. */
  medianRunSeconds?: number;
  /** Hard bound on the number of arrivals. Default 10,000. */
  maxArrivals?: number;
  namespace?: string;
}

const CPU_SIZES = [0.25, 0.5, 1, 1, 2, 2, 4, 8];
const DAY = 86_400;
const PEAK_SECOND = 14 * 3600;

/**
 * A synthetic office-hours workload: a Poisson arrival process whose rate follows a daily cosine (peak at
 * 14:00, trough at 02:00), weekends at a third, pods of mixed sizes with log-normal run times. Deterministic
 * for a seed.
 */
export function generateDiurnalWorkload(options: DiurnalWorkloadOptions = {}): PodArrival[] {
  const random = seededRandom(options.seed ?? 1);
  const duration = options.durationSeconds ?? DAY;
  const peakPerSecond = (options.peakPerHour ?? 60) / 3600;
  const nightShare = options.nightShare ?? 0.1;
  const median = options.medianRunSeconds ?? 1200;
  const maxArrivals = options.maxArrivals ?? 10_000;
  const startOfDay = options.startSecondOfDay ?? 0;

  const rateAt = (seconds: number): number => {
    const clock = startOfDay + seconds;
    const dayShape = (1 + Math.cos((2 * Math.PI * ((clock % DAY) - PEAK_SECOND)) / DAY)) / 2;
    const weekend = Math.floor(clock / DAY) % 7 >= 5 ? 1 / 3 : 1;
    return peakPerSecond * weekend * (nightShare + (1 - nightShare) * dayShape);
  };

  // Thinning (Lewis & Shedler): candidates at the peak rate, each kept with probability rate(t) / peak.
  const arrivals: PodArrival[] = [];
  let time = 0;
  while (arrivals.length < maxArrivals) {
    time += -Math.log(1 - random()) / peakPerSecond;
    if (time >= duration) break;
    if (random() > rateAt(time) / peakPerSecond) continue;
    const cpu = at(CPU_SIZES, Math.floor(random() * CPU_SIZES.length), 'cpu size');
    // Box-Muller for a normal deviate; the log-normal spread keeps most run times within 4x of the median.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const index = arrivals.length + 1;
    arrivals.push({
      atSeconds: time,
      name: `diurnal-${String(index).padStart(5, '0')}`,
      namespace: options.namespace ?? 'workloads',
      cpu,
      memoryMiB: Math.round(cpu * (1024 + random() * 3072)),
      runSeconds: Math.max(30, Math.round(median * Math.exp(0.7 * normal))),
      labels: { 'workload-source': 'diurnal' },
    });
  }
  return arrivals;
}
