// Test helpers: the simulated fleet with the files Somnus reads (inventory, SSH key, kubeconfig), and a
// recorder of every command and event on a bus.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope, Envelope, ListNodes, newMessageId, Node } from '@somnus/contracts';
import type { MessageBus } from '@somnus/bus';
import { FleetSimulator, type MagicPacketEvent } from '@somnus/fleet-sim';

export class SchedulerWorld {
  readonly packets: MagicPacketEvent[] = [];

  private constructor(
    readonly fleet: FleetSimulator,
    readonly dir: string,
    readonly inventoryFile: string,
    readonly sshKeyDir: string,
    readonly kubeconfigFile: string,
  ) {
    fleet.on('magic-packet', (event) => this.packets.push(event));
  }

  static async start(options: { nodes: number; asleep: number }): Promise<SchedulerWorld> {
    const fleet = await FleetSimulator.start({ nodes: options.nodes, speed: 100, asleep: options.asleep });
    const dir = mkdtempSync(join(tmpdir(), 'somnus-scheduler-'));
    const sshKeyDir = join(dir, 'ssh');
    mkdirSync(sshKeyDir, { mode: 0o700 });
    writeFileSync(join(sshKeyDir, 'fleet-sim'), fleet.clientKey.privateKey, { mode: 0o600 });
    const inventoryFile = join(dir, 'inventory.yaml');
    writeFileSync(inventoryFile, fleet.toInventoryFile());
    const kubeconfigFile = join(dir, 'kubeconfig');
    writeFileSync(kubeconfigFile, kubeconfigOf(fleet), { mode: 0o600 });
    return new SchedulerWorld(fleet, dir, inventoryFile, sshKeyDir, kubeconfigFile);
  }

  get runtimeEnv(): Record<string, string> {
    return { SOMNUS_INVENTORY_FILE: this.inventoryFile, SOMNUS_SSH_KEY_DIR: this.sshKeyDir, KUBECONFIG: this.kubeconfigFile, PORT: '0', LOG_LEVEL: 'warn' };
  }

  async stop(): Promise<void> {
    await this.fleet.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The simulated API's kubeconfig, with `insecure-skip-tls-verify` set: @kubernetes/client-node 1.4 refuses a
 * plain-HTTP server without it, and fleet.kubeconfig leaves it out (reported to the fleet-sim owner).
 */
function kubeconfigOf(fleet: FleetSimulator): string {
  const options = fleet.kubeConfigOptions;
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: options.clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'insecure-skip-tls-verify': true } })),
    users: options.users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: options.contexts.map((c) => ({ name: c.name, context: { cluster: c.cluster, user: c.user, namespace: c.namespace } })),
    'current-context': options.currentContext,
  });
}

/** Every command and event published on a bus, in arrival order, through a consumer of its own. */
export class BusRecorder {
  readonly messages: Envelope[] = [];

  static async attach(bus: MessageBus, durable: string): Promise<BusRecorder> {
    const recorder = new BusRecorder();
    await bus.consumeAll({ durable, kinds: ['event', 'command'] }, async (deliveries) => {
      for (const d of deliveries) recorder.messages.push(d.envelope);
    });
    return recorder;
  }

  of<T = unknown>(type: string): Envelope<T>[] {
    return this.messages.filter((m) => m.type === type) as Envelope<T>[];
  }
}

export async function catalogue(bus: MessageBus): Promise<Map<string, Node>> {
  const envelope = createEnvelope(ListNodes.type, { limit: 1000, offset: 0 }, { source: 'test', cause: { actor: 'user:test', correlationId: newMessageId() }, time: new Date() });
  const page = await bus.request(ListNodes, envelope, 5_000);
  return new Map(page.items.map((node) => [node.name, node]));
}

export function message<T>(type: string, data: T, actor = 'user:test', subject?: string): Envelope<T> {
  return createEnvelope(type, data, { source: 'test', subject, cause: { actor, correlationId: newMessageId() }, time: new Date() });
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passes (then throws naming `what`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
