/**
 * `npm run bench:reaction -- --trials N [--json]`: the distributed stack (inventory, lifecycle, scheduler,
 * power and audit as separate processes over real NATS JetStream, PostgreSQL and Redis) against the simulated
 * fleet. Each trial submits a pod that fits only on a sleeping node and measures the time from the pod
 * turning Unschedulable in the simulated Kubernetes API to the first valid magic packet for the chosen node
 * arriving at its simulated card (both stamped with performance.now() in this process). Prints
 * {"trials","p50Ms","p95Ms","p99Ms","maxMs"}; a trial with no packet within 20 s fails the run.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { removeJetStreamNamespace } from '@somnus/bus';
import { defaultFleet, FleetSimulator, podForArrival, PodBound, PodUnschedulable } from '@somnus/fleet-sim';
import { parseCommandArgs, percentile, round } from '@somnus/runtime';

const root = resolve(__dirname, '../..');
const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVICES = ['inventory', 'lifecycle', 'scheduler', 'power', 'audit'];

function waitForEvent<T>(fleet: FleetSimulator, event: string, match: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const events = fleet as unknown as EventEmitter;
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      events.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const listener = (value: T) => {
      if (!match(value)) return;
      clearTimeout(timer);
      events.off(event, listener);
      resolvePromise(value);
    };
    events.on(event, listener);
  });
}

async function main(): Promise<void> {
  const { trials, json, warmup } = parseCommandArgs(process.argv.slice(2), { trials: 20, json: false, warmup: 2 });
  const say = (line: string) => (json ? undefined : process.stderr.write(`${line}\n`));
  const runId = `reaction_${Date.now().toString(36)}`;
  const workDir = mkdtempSync(join(tmpdir(), 'somnus-reaction-'));
  // Two small awake nodes; every other node is large, asleep and labelled with a slot of its own. A trial's
  // 12-cpu pod selects one sleeping slot, so it always needs exactly that node woken.
  const definitions = defaultFleet(warmup + trials + 4).map((definition, index) => ({
    ...definition,
    tier: 'dev' as const,
    taints: [],
    labels: { ...definition.labels, 'bench.somnus.io/slot': String(index) },
    capacity: index < 2 ? { cpu: 4, memoryMiB: 16_384, gpu: 0 } : { cpu: 16, memoryMiB: 65_536, gpu: 0 },
  }));
  const fleet = await FleetSimulator.start({ nodes: definitions, speed: 200, asleep: definitions.slice(2).map((d) => d.name), daemonSetPods: false });
  const access = fleet.writeAccessFiles(workDir);

  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const database = `somnus_${runId}`;
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  const env = {
    ...process.env,
    SOMNUS_MODE: 'distributed',
    DATABASE_URL: url.toString(),
    NATS_URL,
    REDIS_URL,
    SOMNUS_BUS_NAMESPACE: runId,
    KUBERNETES_MODE: access.env.KUBERNETES_MODE,
    KUBECONFIG: access.kubeconfigFile,
    SOMNUS_SSH_KEY_DIR: access.sshKeyDir,
    SOMNUS_DATA_DIR: workDir,
    HEALTH_PORT: '0',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    // Nodes stay awake once woken: this measures reaction, not consolidation.
    LIFECYCLE_IDLE_DETECTION: 'false',
    SCHEDULER_IDLE_GRACE_BREAK_EVENS: '1000',
  };
  const children: ChildProcess[] = [];
  try {
    for (const name of SERVICES) {
      const child = spawn(process.execPath, ['-r', './tools/register.js', 'tools/stack/service.ts', name], {
        cwd: root,
        env: { ...env, ...(name === 'inventory' ? { SOMNUS_INVENTORY_FILE: access.inventoryFile } : {}) },
        stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', json ? 'ignore' : 'inherit'],
      });
      children.push(child);
    }
    say(`started ${SERVICES.join(', ')}; ${warmup} warm-up and ${trials} measured trials`);
    const latencies: number[] = [];
    let slot = 2;
    for (let trial = 0; trial < warmup + trials; trial += 1) {
      const name = `reaction-${trial}`;
      // The next slot whose node is asleep (a spare wake may have taken one).
      while (slot < definitions.length && fleet.node(definitions[slot].name).state !== 'off') slot += 1;
      if (slot >= definitions.length) throw new Error('ran out of sleeping nodes');
      const target = definitions[slot].name;
      const selector = { 'bench.somnus.io/slot': String(slot) };
      slot += 1;
      const unschedulable = waitForEvent<PodUnschedulable>(fleet, 'pod-unschedulable', (e) => e.name === name && e.first, 60_000);
      const bound = waitForEvent<PodBound>(fleet, 'pod-bound', (e) => e.name === name, trial < warmup ? 120_000 : 30_000);
      const packet = waitForEvent<{ node: string; at: { monotonicMs: number } }>(fleet, 'magic-packet', (e) => e.node === target, trial < warmup ? 120_000 : 20_000);
      fleet.createPod(podForArrival({ atSeconds: 0, name, namespace: 'default', cpu: 12, memoryMiB: 1_024, runSeconds: 1e7, nodeSelector: selector }));
      const [marked, arrived] = await Promise.all([unschedulable, packet]);
      await bound;
      const ms = arrived.at.monotonicMs - marked.at.monotonicMs;
      if (trial >= warmup) latencies.push(ms);
      say(`${trial < warmup ? 'warm-up' : `trial ${trial - warmup + 1}`}: ${ms.toFixed(1)} ms (woke ${arrived.node})`);
    }
    latencies.sort((a, b) => a - b);
    const result = { trials, p50Ms: round(percentile(latencies, 50)), p95Ms: round(percentile(latencies, 95)), p99Ms: round(percentile(latencies, 99)), maxMs: round(latencies[latencies.length - 1]) };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)))));
    await fleet.stop();
    await removeJetStreamNamespace(NATS_URL, runId);
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:reaction failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
