import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEnvelope, Envelope, ListNodes, newMessageId, Node, ReplyOf } from '@somnus/contracts';
import { FleetAccess, FleetSimulator, MagicPacketEvent } from '@somnus/fleet-sim';

/**
 * The world a service's integration test acts on: a simulated fleet, the files Somnus reads to reach it
 * (inventory, SSH key, kubeconfig) in a directory of its own, and every magic packet the cards saw.
 */
export class FleetWorld {
  readonly packets: MagicPacketEvent[] = [];

  constructor(
    readonly fleet: FleetSimulator,
    readonly dir: string,
    readonly access: FleetAccess,
  ) {
    fleet.on('magic-packet', (event) => this.packets.push(event));
  }

  static async start<W extends FleetWorld>(
    this: new (fleet: FleetSimulator, dir: string, access: FleetAccess) => W,
    options: { nodes: number; asleep: number; speed?: number },
  ): Promise<W> {
    const fleet = await FleetSimulator.start({ nodes: options.nodes, speed: options.speed ?? 100, asleep: options.asleep });
    const dir = mkdtempSync(join(tmpdir(), 'somnus-world-'));
    return new this(fleet, dir, fleet.writeAccessFiles(dir));
  }

  /** Settings that point a host at this fleet (and keep its log quiet). */
  get runtimeEnv(): Record<string, string> {
    return { ...this.access.env, PORT: '0', LOG_LEVEL: 'warn' };
  }

  packetsFor(name: string): MagicPacketEvent[] {
    return this.packets.filter((packet) => packet.node === name);
  }

  /** Names of simulated nodes in a power state, in layout order. */
  namesIn(state: 'on' | 'off'): string[] {
    return this.fleet.nodes.filter((node) => node.state === state).map((node) => node.name);
  }

  async stop(): Promise<void> {
    await this.fleet.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What `catalogue` needs of a bus (the bus library's tests use this library, so no import of it here). */
interface QueryAsker {
  request(definition: typeof ListNodes, envelope: Envelope, timeoutMs: number): Promise<ReplyOf<typeof ListNodes>>;
}

/** The inventory's catalogue by node name, as a service sees it over the bus. */
export async function catalogue(bus: QueryAsker): Promise<Map<string, Node>> {
  const envelope = createEnvelope(ListNodes.type, { limit: 1000, offset: 0 }, { source: 'test', cause: { actor: 'user:test', correlationId: newMessageId() }, time: new Date() });
  const page = await bus.request(ListNodes, envelope, 5_000);
  return new Map(page.items.map((node) => [node.name, node]));
}

/** A command or event envelope from a test, with its own correlation id. */
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
