import {
  DecisionMade,
  DrainRejected,
  MessageDefinition,
  NodeRemoved,
  NodeTransitioned,
  NodeUpserted,
  NodeWakeFailed,
  PowerActionRefused,
} from '@somnus/contracts';
import { MessageBus, Subscription } from '@somnus/bus';
import type { FleetSimulator } from '@somnus/fleet-sim';

/** What the demo counted, for its closing summary. */
export interface DemoCounts {
  decisions: { wake: number; sleep: number; hold: number };
  transitions: number;
  refusals: number;
  wakeFailures: number;
}

const time = () => new Date().toISOString().slice(11, 19);

/**
 * The live log of `npm start` and the demo: one concise line per decision, refusal and lifecycle
 * transition (names, not ids), and a periodic summary of the fleet and its energy against always-on.
 */
export class ConsoleReporter {
  readonly counts: DemoCounts = { decisions: { wake: 0, sleep: 0, hold: 0 }, transitions: 0, refusals: 0, wakeFailures: 0 };
  private readonly names = new Map<string, string>();
  private readonly subscriptions: Subscription[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly bus: MessageBus,
    private readonly fleet: FleetSimulator,
    private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  ) {}

  private name(nodeId: string | null | undefined): string {
    return nodeId ? (this.names.get(nodeId) ?? nodeId.slice(0, 8)) : '-';
  }

  private async on<M extends MessageDefinition>(definition: M, handle: (data: import('zod').infer<M['schema']>, actor: string) => void): Promise<void> {
    this.subscriptions.push(
      await this.bus.consume(definition, { durable: `console__${definition.name}` }, async ({ envelope }) => {
        handle(envelope.data as import('zod').infer<M['schema']>, envelope.actor);
        return undefined as never;
      }),
    );
  }

  async start(summaryEveryMs: number): Promise<void> {
    await this.on(NodeUpserted, ({ node }) => void this.names.set(node.id, node.name));
    await this.on(NodeRemoved, ({ nodeId }) => void this.names.delete(nodeId));
    await this.on(DecisionMade, (decision, actor) => {
      this.counts.decisions[decision.action] += 1;
      if (decision.action !== 'hold') this.write(`${time()} decision  ${decision.action.padEnd(5)} ${this.name(decision.nodeId).padEnd(12)} ${decision.reason}${decision.dryRun ? ' (dry run)' : ''} [${actor}]`);
    });
    await this.on(NodeTransitioned, ({ nodeId, from, to, reason }, actor) => {
      this.counts.transitions += 1;
      this.write(`${time()} node      ${this.name(nodeId).padEnd(12)} ${(from ?? 'new').padEnd(9)} -> ${to.padEnd(9)} ${reason} [${actor}]`);
    });
    await this.on(DrainRejected, ({ nodeId, check, reason }) => {
      this.counts.refusals += 1;
      this.write(`${time()} refused   sleep ${this.name(nodeId).padEnd(12)} ${check}: ${reason}`);
    });
    await this.on(PowerActionRefused, ({ nodeId, action, reason }) => {
      this.counts.refusals += 1;
      this.write(`${time()} refused   ${action.padEnd(5)} ${this.name(nodeId).padEnd(12)} ${reason}`);
    });
    await this.on(NodeWakeFailed, ({ nodeId, reason }) => {
      this.counts.wakeFailures += 1;
      this.write(`${time()} failed    wake  ${this.name(nodeId).padEnd(12)} ${reason}`);
    });
    this.timer = setInterval(() => this.write(this.summaryLine()), summaryEveryMs);
    this.timer.unref();
  }

  fleetState(): { awake: number; asleep: number; waking: number; suspending: number; podsRunning: number; podsPending: number } {
    const states = this.fleet.nodes.map((node) => node.state);
    const pods = this.fleet.cluster.listPods().filter((pod) => pod.metadata.namespace !== 'kube-system' && !['Succeeded', 'Failed'].includes(pod.status?.phase ?? ''));
    return {
      awake: states.filter((s) => s === 'on').length,
      asleep: states.filter((s) => s === 'off').length,
      waking: states.filter((s) => s === 'booting').length,
      suspending: states.filter((s) => s === 'suspending').length,
      podsRunning: pods.filter((pod) => pod.spec?.nodeName).length,
      podsPending: pods.filter((pod) => !pod.spec?.nodeName).length,
    };
  }

  energy(): { kWh: number; alwaysOnKWh: number; savedPct: number } {
    const energy = this.fleet.energy();
    const kWh = energy.joules / 3.6e6;
    const alwaysOnKWh = energy.alwaysOnJoules / 3.6e6;
    return { kWh, alwaysOnKWh, savedPct: alwaysOnKWh > 0 ? (100 * (alwaysOnKWh - kWh)) / alwaysOnKWh : 0 };
  }

  summaryLine(): string {
    const state = this.fleetState();
    const energy = this.energy();
    return (
      `${time()} summary   awake ${state.awake}, asleep ${state.asleep}, waking ${state.waking}, suspending ${state.suspending} | ` +
      `pods running ${state.podsRunning}, pending ${state.podsPending} | ` +
      `energy ${energy.kWh.toFixed(2)} kWh vs ${energy.alwaysOnKWh.toFixed(2)} kWh always-on (${energy.savedPct.toFixed(1)} % saved)`
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.subscriptions.map((subscription) => subscription.stop()));
  }
}
