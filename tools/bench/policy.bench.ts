import { SOMNUS_PRESETS, SomnusPolicy, type SomnusPreset, type NodeSnapshot, type PendingWorkload, type PolicyInput } from '@somnus/policy';
import { performance } from 'node:perf_hooks';

/**
 * One decision of the Somnus policy for 1,000 nodes and 10,000 pending pods, repeated; prints p50 and p99
 * in ms (`--json` for one JSON line). Pods come from 200 deployments (Kubernetes work is replicated), with
 * node selectors and tolerations on some, so packing runs over many shapes.
 */
const NODES = 1000;
const PODS = 10_000;
const ROUNDS = 200;
const WARMUP = 20;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function fleet(random: () => number): NodeSnapshot[] {
  const tiers = ['dev', 'staging', 'prod', 'critical'] as const;
  return Array.from({ length: NODES }, (_, i) => {
    const cpu = [8, 16, 32, 64][i % 4];
    const state = random();
    const busy = state < 0.4;
    return {
      id: `node-${String(i).padStart(4, '0')}`,
      name: `node-${i}`,
      tier: tiers[i % 10 === 0 ? 3 : i % 3],
      power: state < 0.6 ? 'awake' : state < 0.95 ? 'asleep' : state < 0.98 ? 'booting' : 'suspending',
      maintenance: i % 97 === 0,
      capacity: { cpu, memoryMiB: cpu * 4096, gpu: i % 50 === 0 ? 4 : 0 },
      allocated: busy ? { cpu: cpu * 0.6, memoryMiB: cpu * 2048, gpu: 0 } : { cpu: 0, memoryMiB: 0, gpu: 0 },
      workloads: busy ? 5 : 0,
      workloadsMovable: true,
      labels: { zone: `z${i % 3}`, ...(i % 50 === 0 ? { gpu: 'true' } : {}) },
      taints: i % 50 === 0 ? [{ key: 'gpu', effect: 'NoSchedule' as const }] : [],
      idleSince: busy ? undefined : 1_700_000_000_000 - Math.floor(random() * 3_600_000),
    } satisfies NodeSnapshot;
  });
}

function pods(random: () => number, now: number): PendingWorkload[] {
  const deployments = Array.from({ length: 200 }, (_, d): Omit<PendingWorkload, 'id' | 'submittedAt'> => ({
    requests: { cpu: [0.25, 0.5, 1, 2, 4][d % 5], memoryMiB: [256, 512, 1024, 4096][d % 4], gpu: d % 40 === 0 ? 1 : 0 },
    nodeSelector: d % 7 === 0 ? { zone: `z${d % 3}` } : d % 40 === 0 ? { gpu: 'true' } : undefined,
    tolerations: d % 40 === 0 ? [{ key: 'gpu', operator: 'Exists' as const }] : undefined,
    priority: d % 10 === 0 ? 100 : 0,
  }));
  return Array.from({ length: PODS }, (_, i) => {
    const d = deployments[Math.floor(random() * deployments.length)];
    return { id: `pod-${i}`, ...d, submittedAt: now - Math.floor(random() * 600_000) };
  });
}

function main(): void {
  const json = process.argv.includes('--json');
  // `--preset no-wait` measures the no-wait preset (wait budget on: every new pod is also judged).
  const presetAt = process.argv.indexOf('--preset');
  const preset = presetAt >= 0 ? process.argv[presetAt + 1] : 'least-energy';
  if (!(preset in SOMNUS_PRESETS)) {
    process.stderr.write(`--preset must be one of ${Object.keys(SOMNUS_PRESETS).join(', ')}\n`);
    process.exit(2);
  }
  const random = lcg(42);
  const now = 1_700_000_000_000;
  const input: PolicyInput = { now, fleet: fleet(random), demand: { pending: pods(random, now), running: [] } };
  const times: number[] = [];
  // One policy object, as the live scheduler keeps it; each round is a new decision 10 s later.
  const policy = new SomnusPolicy({ minHeadroomNodes: 10, preWake: true, ...SOMNUS_PRESETS[preset as SomnusPreset] });
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const started = performance.now();
    policy.decide({ ...input, now: now + round * 10_000 });
    const elapsed = performance.now() - started;
    if (round >= WARMUP) times.push(elapsed);
  }
  times.sort((a, b) => a - b);
  const at = (p: number): number => Math.round(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] * 1000) / 1000;
  const result = { p50Ms: at(50), p99Ms: at(99), nodes: NODES, pendingPods: PODS, rounds: ROUNDS, preset };
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : `Somnus decision, ${NODES} nodes, ${PODS} pending pods: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms (${ROUNDS} rounds)\n`);
}

main();
