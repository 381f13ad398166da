// Test helpers: the simulated fleet with the files Somnus reads (inventory, SSH key, kubeconfig), and a
// recorder of every command and event on a bus.
import { mkdtempSync, rmSync } from 'node:fs';
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
    const access = fleet.writeAccessFiles(dir);
    return new SchedulerWorld(fleet, dir, access.inventoryFile, access.sshKeyDir, access.kubeconfigFile);
  }

  get runtimeEnv(): Record<string, string> {
    return { SOMNUS_INVENTORY_FILE: this.inventoryFile, SOMNUS_SSH_KEY_DIR: this.sshKeyDir, KUBECONFIG: this.kubeconfigFile, PORT: '0', LOG_LEVEL: 'warn' };
  }

  async stop(): Promise<void> {
    await this.fleet.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
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
