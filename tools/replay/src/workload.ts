import type { MachinePool } from './machines';
import { processorsOf, type SwfTrace } from './swf';

/** The replay's view of a trace: jobs in submit order and the machines they run on. */
export interface ReplayJob {
  readonly index: number;
  readonly id: number;
  readonly submit: number;
  readonly runtime: number;
  /** What the batch scheduler believes (requested time when known, never below the real run time). */
  readonly estimate: number;
  /** Processors; in whole-node mode each is a whole node. */
  readonly processors: number;
  /** Memory per processor in KB (0 when unknown or in whole-node mode). */
  readonly memoryKBPerProcessor: number;
}

export interface ReplayNodeSpec {
  readonly pool: string;
  readonly cores: number;
  readonly memoryKB: number;
}

export interface ReplayWorkload {
  readonly jobs: readonly ReplayJob[];
  readonly nodes: readonly ReplayNodeSpec[];
  readonly wholeNodes: boolean;
  /** Jobs left out: unknown run time or processors, or larger than the whole fleet. */
  readonly skipped: number;
  /** Epoch seconds of the log's time 0 (UnixStartTime, else 0). */
  readonly epochStart: number;
}

export function buildWorkload(trace: SwfTrace, options: { nodes?: number; machines?: readonly MachinePool[] }): ReplayWorkload {
  const wholeNodes = !options.machines;
  const nodes: ReplayNodeSpec[] = [];
  if (options.machines) {
    for (const pool of options.machines) for (let i = 0; i < pool.nodes; i++) nodes.push({ pool: pool.name, cores: pool.coresPerNode, memoryKB: pool.memoryKBPerNode });
  } else {
    const count = options.nodes ?? trace.header.maxNodes ?? trace.header.maxProcs;
    if (!count || count <= 0) throw new Error('the trace header has no MaxNodes: give the fleet size with --nodes N');
    for (let i = 0; i < count; i++) nodes.push({ pool: 'default', cores: 1, memoryKB: 0 });
  }
  const totalCores = nodes.reduce((s, n) => s + n.cores, 0);
  const maxMemory = nodes.reduce((m, n) => Math.max(m, n.memoryKB), 0);
  const jobs: ReplayJob[] = [];
  let skipped = 0;
  const sorted = [...trace.jobs].sort((a, b) => a.submit - b.submit || a.line - b.line);
  for (const job of sorted) {
    const processors = processorsOf(job);
    const memory = !wholeNodes && job.requestedMemoryKB > 0 ? job.requestedMemoryKB : 0;
    if (processors === undefined || job.runtime < 0 || job.submit < 0 || processors > totalCores || (memory > 0 && memory > maxMemory)) {
      skipped++;
      continue;
    }
    jobs.push({
      index: jobs.length,
      id: job.id,
      submit: job.submit,
      runtime: job.runtime,
      estimate: Math.max(job.runtime, job.requestedTime > 0 ? job.requestedTime : job.runtime),
      processors,
      memoryKBPerProcessor: memory,
    });
  }
  return { jobs, nodes, wholeNodes, skipped, epochStart: trace.header.unixStartTime ?? 0 };
}
