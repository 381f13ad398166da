import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PodArrival } from './pod-arrival';

/** `../shared/data/traces` seen from the repository root (this file lives in libs/fleet-sim/src). */
export const DEFAULT_TRACES_DIR = resolve(__dirname, '../../../../shared/data/traces');

/** The fields of a Standard Workload Format job the simulator uses (times in seconds). */
export interface SwfJob {
  id: number;
  submitSeconds: number;
  runSeconds: number;
  processors: number;
  /** Requested memory per processor in KB, when the log has it. */
  memoryKbPerProcessor?: number;
}

/**
 * Parses SWF text: one job per line, whitespace-separated fields, `;` comment lines. Field 5 (allocated
 * processors) is used, else field 8 (requested); jobs without a run time or processors are skipped.
 */
export function parseSwf(text: string, limit = Number.POSITIVE_INFINITY): SwfJob[] {
  const jobs: SwfJob[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (jobs.length >= limit) break;
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith(';')) continue;
    const fields = trimmed.split(/\s+/).map(Number);
    if (fields.length < 8) continue;
    const [id, submitSeconds, , runSeconds, allocated] = fields;
    const requested = fields[7];
    const processors = allocated > 0 ? allocated : requested;
    if (!(runSeconds > 0) || !(processors > 0) || !(submitSeconds >= 0)) continue;
    const memory = fields[9];
    jobs.push({ id, submitSeconds, runSeconds, processors, memoryKbPerProcessor: memory > 0 ? memory : undefined });
  }
  return jobs;
}

/** Reads an SWF file, gunzipping `.gz` files. */
export function readSwfTrace(path: string, limit?: number): SwfJob[] {
  const raw = readFileSync(path);
  const text = path.endsWith('.gz') ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
  return parseSwf(text, limit);
}

export interface SwfConversionOptions {
  /** Trace seconds per simulated second: 60 plays an hour of the log in a simulated minute. Default 1. */
  timeCompression?: number;
  /** Cores requested per SWF processor. Default 1. */
  cpuPerProcessor?: number;
  /** Requests above this are clipped so every job fits some node (SWF machines are larger than the fleet). Default 16. */
  maxCpuPerPod?: number;
  /** Memory per requested core when the trace has none. Default 1024 MiB. */
  memoryMiBPerCpu?: number;
  /** Start the replay at this trace second (skipping earlier jobs). Default: the first job's submit time. */
  fromSeconds?: number;
  namespace?: string;
  /** Pod name prefix; the job id is appended. Default "swf-job". */
  namePrefix?: string;
}

/** Turns SWF jobs into pod arrivals, time-compressed, with cpu/memory requests sized to the simulated fleet. */
export function swfJobsToArrivals(jobs: SwfJob[], options: SwfConversionOptions = {}): PodArrival[] {
  const compression = options.timeCompression ?? 1;
  if (!(compression > 0)) throw new Error(`timeCompression must be positive, got ${compression}`);
  const cpuPerProcessor = options.cpuPerProcessor ?? 1;
  const maxCpu = options.maxCpuPerPod ?? 16;
  const start = options.fromSeconds ?? (jobs.length ? Math.min(...jobs.map((job) => job.submitSeconds)) : 0);
  return jobs
    .filter((job) => job.submitSeconds >= start)
    .map((job) => {
      const cpu = Math.min(maxCpu, job.processors * cpuPerProcessor);
      const memoryMiB = job.memoryKbPerProcessor ? Math.min(cpu * 8192, (job.memoryKbPerProcessor / 1024) * job.processors) : cpu * (options.memoryMiBPerCpu ?? 1024);
      return {
        atSeconds: (job.submitSeconds - start) / compression,
        name: `${options.namePrefix ?? 'swf-job'}-${job.id}`,
        namespace: options.namespace ?? 'batch',
        cpu,
        memoryMiB: Math.max(64, Math.round(memoryMiB)),
        runSeconds: Math.max(1, job.runSeconds / compression),
        labels: { 'workload-source': 'swf' },
      };
    })
    .sort((a, b) => a.atSeconds - b.atSeconds);
}
