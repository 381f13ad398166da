// Shared by the lifecycle integration tests: a simulated fleet, inventory + lifecycle hosted on it, and
// helpers to send commands and watch what lifecycle publishes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cause, createEnvelope, DrainCompleted, DrainNode, DrainRejected, Envelope, ListNodeStates, newMessageId, NodeIdle, NodeState, Payload, SleepNode } from '@somnus/contracts';
import { MessageBus, Subscription } from '@somnus/bus';
import { Host, loadRuntimeConfig, startHost, systemClock } from '@somnus/runtime';
import { inventoryService } from '@somnus/inventory';
import { FleetSimulator, KubePod } from '@somnus/fleet-sim';
import { createLifecycleService } from '../lifecycle.module';

export interface Scenario {
  fleet: FleetSimulator;
  host: Host;
  bus: MessageBus;
  /** Moves lifecycle's clock forward (timers stay real). */
  advance(ms: number): void;
  seen: { rejected: Envelope<Payload<typeof DrainRejected>>[]; completed: Envelope<Payload<typeof DrainCompleted>>[]; idle: Envelope<Payload<typeof NodeIdle>>[]; sleep: Envelope<Payload<typeof SleepNode>>[] };
  nodeId(name: string): Promise<string>;
  states(): Promise<NodeState[]>;
  drain(nodeName: string, actor?: string): Promise<{ outcome: unknown; correlationId: string; nodeId: string }>;
  /** Stops lifecycle and inventory, runs `whileDown`, and starts them again on the same database (the fleet keeps running). */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export const TEST_LIFECYCLE_ENV = {
  LIFECYCLE_MIN_AWAKE_MS: '60000',
  LIFECYCLE_SAMPLE_INTERVAL_MS: '300',
  LIFECYCLE_MAX_SAMPLE_GAP_MS: '20000',
  LIFECYCLE_IDLE_GRACE_PERIOD_MS: '1000',
  // The simulator's network counters grow with its time compression; load and pods are what these tests judge.
  LIFECYCLE_IDLE_MAX_NETWORK_BYTES_PER_SECOND: '1000000000',
  LIFECYCLE_IDLE_MAX_CPU_LOAD_PER_CORE: '0.5',
  LIFECYCLE_POLL_INTERVAL_MS: '100',
  LIFECYCLE_DRAIN_TIMEOUT_MS: '20000',
  LIFECYCLE_WAKE_CHECK_INTERVAL_MS: '1000',
};

export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function replicaPod(name: string, nodeName: string | undefined, extra: { annotations?: Record<string, string>; labels?: Record<string, string>; cpu?: string } = {}): KubePod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: name.replace(/-\d+$/, ''), ...extra.labels },
      annotations: extra.annotations,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-rs`, uid: `${name}-rs`, controller: true }],
    },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: extra.cpu ?? '100m', memory: '64Mi' } } }] },
    status: nodeName ? { phase: 'Running' } : { phase: 'Pending' },
  };
}

export async function startScenario(runtimeEnv: Record<string, string>, options: { bus?: MessageBus; nodes?: number; speed?: number } = {}): Promise<Scenario> {
  const dir = mkdtempSync(join(tmpdir(), 'somnus-lifecycle-'));
  const fleet = await FleetSimulator.start({ nodes: options.nodes ?? 8, speed: options.speed ?? 10, asleep: 1 });
  const access = fleet.writeAccessFiles(dir);

  let offset = 0;
  const config = loadRuntimeConfig({
    SOMNUS_DATA_DIR: join(dir, 'data'),
    PORT: '0',
    ...access.env,
    LOG_LEVEL: 'error',
    ...runtimeEnv,
  });
  const lifecycle = createLifecycleService({ env: TEST_LIFECYCLE_ENV, clock: { now: () => Date.now() + offset, sleep: systemClock.sleep } });
  const quiet = { log: () => undefined, error: () => undefined, warn: () => undefined };
  let host = await startHost({ descriptors: [inventoryService, lifecycle], config, bus: options.bus, logger: quiet });
  let bus = host.infrastructure.get('lifecycle')!.bus;

  const seen: Scenario['seen'] = { rejected: [], completed: [], idle: [], sleep: [] };
  const tag = newMessageId().slice(0, 8);
  const subscriptions: Subscription[] = [
    await bus.consume(DrainRejected, { durable: `test-${tag}-rejected` }, async ({ envelope }) => void seen.rejected.push(envelope)),
    await bus.consume(DrainCompleted, { durable: `test-${tag}-completed` }, async ({ envelope }) => void seen.completed.push(envelope)),
    await bus.consume(NodeIdle, { durable: `test-${tag}-idle` }, async ({ envelope }) => void seen.idle.push(envelope)),
    // Stands in for the power service: takes the sleep command and says it accepted it.
    await bus.consume(SleepNode, { durable: `test-${tag}-sleep` }, async ({ envelope }) => {
      seen.sleep.push(envelope);
      return { ok: true as const, result: { nodeId: envelope.data.nodeId, accepted: true } };
    }),
  ];

  const states = async (): Promise<NodeState[]> => {
    const cause: Cause = { actor: 'user:test', correlationId: newMessageId() };
    const reply = await bus.request(ListNodeStates, createEnvelope(ListNodeStates.type, {}, { source: 'test', cause, time: new Date() }), 5_000);
    return reply.items;
  };
  const nodeId = async (name: string): Promise<string> => (await until(`lifecycle to know ${name}`, async () => (await states()).find((s) => s.name === name))).nodeId;

  return {
    fleet,
    get host() {
      return host;
    },
    get bus() {
      return bus;
    },
    seen,
    advance: (ms) => {
      offset += ms;
    },
    nodeId,
    states,
    drain: async (nodeName, actor = 'user:alice') => {
      const id = await nodeId(nodeName);
      const correlationId = newMessageId();
      const envelope = createEnvelope(DrainNode.type, { nodeId: id, reason: `test drain of ${nodeName}`, thenSleep: true }, { source: 'test', cause: { actor, correlationId }, time: new Date() });
      const outcome = await bus.execute(DrainNode, envelope, 15_000);
      return { outcome, correlationId, nodeId: id };
    },
    restart: async (whileDown) => {
      for (const subscription of subscriptions.splice(0)) await subscription.stop();
      await host.close();
      await whileDown?.();
      host = await startHost({ descriptors: [inventoryService, lifecycle], config, bus: options.bus, logger: quiet });
      bus = host.infrastructure.get('lifecycle')!.bus;
    },
    close: async () => {
      for (const subscription of subscriptions) await subscription.stop();
      await host.close();
      await fleet.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
