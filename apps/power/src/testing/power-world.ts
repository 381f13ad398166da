// The world a power-service integration test runs in: a simulated fleet, its inventory file, the SSH key the
// fleet accepts and a kubeconfig for its Kubernetes API, plus helpers to send commands and collect events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createEnvelope,
  Envelope,
  ListNodes,
  MessageDefinition,
  newMessageId,
  Node,
  NodeSleeping,
  NodeSleepFailed,
  NodeSlept,
  NodeWakeFailed,
  NodeWaking,
  NodeWoke,
  PowerActionRefused,
} from '@somnus/contracts';
import type { MessageBus } from '@somnus/bus';
import { FleetSimulator, MagicPacketEvent } from '@somnus/fleet-sim';

export const POWER_EVENTS = [NodeWaking, NodeWoke, NodeWakeFailed, NodeSleeping, NodeSlept, NodeSleepFailed, PowerActionRefused] as const;

/** Short retries and deadlines, so a never-booting node gives up within seconds (fleet speed 100: boot 1.5 s). */
export const FAST_POWER_ENV: NodeJS.ProcessEnv = {
  SOMNUS_WAKE_ATTEMPTS: '2',
  SOMNUS_WAKE_RETRY_BASE_MS: '100',
  SOMNUS_WAKE_RETRY_MAX_MS: '200',
  SOMNUS_WAKE_TIMEOUT_MS: '5000',
  SOMNUS_SLEEP_TIMEOUT_MS: '5000',
  SOMNUS_VERIFY_POLL_MS: '100',
  SOMNUS_WOL_INTERVAL_MS: '20',
  SOMNUS_SSH_CONNECT_TIMEOUT_MS: '3000',
  SOMNUS_ENERGY_SAMPLE_MS: '0',
};

export class PowerWorld {
  readonly packets: MagicPacketEvent[] = [];
  readonly events: Envelope[] = [];

  private constructor(
    readonly fleet: FleetSimulator,
    readonly dir: string,
    readonly inventoryFile: string,
    readonly sshKeyDir: string,
    readonly kubeconfigFile: string,
  ) {
    fleet.on('magic-packet', (event) => this.packets.push(event));
  }

  static async start(options: { nodes: number; asleep: number }): Promise<PowerWorld> {
    const fleet = await FleetSimulator.start({ nodes: options.nodes, speed: 100, asleep: options.asleep });
    const dir = mkdtempSync(join(tmpdir(), 'somnus-power-'));
    const access = fleet.writeAccessFiles(dir);
    return new PowerWorld(fleet, dir, access.inventoryFile, access.sshKeyDir, access.kubeconfigFile);
  }

  /** Runtime settings shared by both modes: the fleet's inventory, key and Kubernetes API. */
  get runtimeEnv(): Record<string, string> {
    return { SOMNUS_INVENTORY_FILE: this.inventoryFile, SOMNUS_SSH_KEY_DIR: this.sshKeyDir, KUBECONFIG: this.kubeconfigFile, PORT: '0', LOG_LEVEL: 'warn' };
  }

  /** Collects the power events from a consumer of its own, named after this test. */
  async collectEvents(bus: MessageBus, prefix: string): Promise<void> {
    for (const definition of POWER_EVENTS) {
      await bus.consume(definition as MessageDefinition, { durable: `${prefix}__${definition.name}` }, async ({ envelope }) => {
        this.events.push(envelope);
      });
    }
  }

  eventsFor(nodeId: string, definition?: MessageDefinition): Envelope[] {
    return this.events.filter((e) => e.subject === nodeId && (!definition || e.type === definition.type));
  }

  packetsFor(name: string): MagicPacketEvent[] {
    return this.packets.filter((p) => p.node === name);
  }

  /** Names of simulated nodes in a power state, in layout order. */
  namesIn(state: 'on' | 'off'): string[] {
    return this.fleet.nodes.filter((node) => node.state === state).map((node) => node.name);
  }

  wolRepeat(name: string): number {
    const spec = this.fleet.nodeSpecs().find((node) => node.name === name);
    return spec?.driver?.wol?.repeat ?? 0;
  }

  async stop(): Promise<void> {
    await this.fleet.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}


export async function catalogue(bus: MessageBus): Promise<Map<string, Node>> {
  const envelope = createEnvelope(ListNodes.type, { limit: 1000, offset: 0 }, { source: 'test', cause: { actor: 'user:test', correlationId: newMessageId() }, time: new Date() });
  const page = await bus.request(ListNodes, envelope, 5_000);
  return new Map(page.items.map((node) => [node.name, node]));
}

export function command<T>(type: string, data: T, actor: string): Envelope<T> {
  return createEnvelope(type, data, { source: 'test', cause: { actor, correlationId: newMessageId() }, time: new Date() });
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passes (then throws naming `what`). */
export async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
