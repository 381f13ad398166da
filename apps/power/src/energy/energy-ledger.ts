import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EnergySampled, newMessageId, PowerState } from '@somnus/contracts';
import { EnergyMeter, joulesToKWh } from '@somnus/domain';
import type { Transactions } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import type { PowerConfig } from '../config/power.config';
import { NodeDirectory } from '../nodes/node-directory';
import { PowerStateBook } from '../nodes/power-state-book';
import { POWER_ACTUATION, POWER_CONFIG, PowerActuation } from '../power-actuation';
import { alwaysOnWatts, drawWatts, profileOf } from './energy-draw';
import { ENERGY_SAMPLES, type EnergySamplesRepository } from './energy-samples.repository';

interface NodeMeter {
  used: EnergyMeter;
  alwaysOn: EnergyMeter;
  /** Seconds (clock time) of the last sample, and the meters' readings then. */
  sampledAt: number;
  usedAtSample: number;
  alwaysOnAtSample: number;
}

export interface EnergyQuery {
  /** Samples ending after this time; default: since the first sample. */
  from?: Date;
  /** Samples ending at or before this time; default: now, including energy not sampled yet. */
  to?: Date;
  nodeId?: string;
}

export interface NodeEnergyTotals {
  nodeId: string;
  name: string | null;
  powerState: PowerState;
  joules: number;
  alwaysOnJoules: number;
  savedJoules: number;
}

export interface EnergyTotals {
  from: string | null;
  to: string;
  joules: number;
  alwaysOnJoules: number;
  savedJoules: number;
  /** savedJoules / alwaysOnJoules x 100 (0 when nothing was measured). */
  savedPercent: number;
  kWh: number;
  alwaysOnKWh: number;
  nodes: NodeEnergyTotals[];
}

/**
 * Energy per node: the draw of its power state integrated over time (an EnergyMeter per node, told of every
 * power-state change), sampled every SOMNUS_ENERGY_SAMPLE_MS into `energy_samples` and as one
 * energy-sampled event per node, beside what the node would have used awake all along.
 */
@Injectable()
export class EnergyLedger implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('power:energy');
  private readonly meters = new Map<string, NodeMeter>();
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<number>;

  constructor(
    @Inject(ENERGY_SAMPLES) private readonly samples: EnergySamplesRepository,
    @Inject(SERVICE_STORE) private readonly transactions: Transactions,
    @Inject(POWER_CONFIG) private readonly config: Pick<PowerConfig, 'energySampleMs'>,
    /** Only its clock: the meter's time is the actuation's. */
    @Inject(POWER_ACTUATION) private readonly actuation: Pick<PowerActuation, 'clock'>,
    @Inject(NodeDirectory) private readonly directory: Pick<NodeDirectory, 'get' | 'all'>,
    @Inject(PowerStateBook) private readonly states: Pick<PowerStateBook, 'onChange' | 'stateOf'>,
  ) {}

  onApplicationBootstrap(): void {
    this.states.onChange((nodeId, next) => {
      const node = this.directory.get(nodeId);
      if (!node) return;
      const meter = this.meters.get(nodeId) ?? this.startMeter(nodeId, this.nowSeconds(), next.state);
      meter.used.setDraw(this.nowSeconds(), drawWatts(profileOf(node), next.state));
    });
    // Start the meters of the nodes known from the last run; later ones start at their first state or sample.
    for (const node of this.directory.all()) this.startMeter(node.id, this.nowSeconds(), this.states.stateOf(node.id));
    if (this.config.energySampleMs > 0) {
      this.timer = setInterval(() => void this.sampleNow(), this.config.energySampleMs);
      this.timer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sampling;
  }

  /** Takes one sample of every known node now (the timer calls this); returns how many were written. */
  sampleNow(): Promise<number> {
    if (this.sampling) return this.sampling;
    this.sampling = this.sample()
      .catch((error: unknown) => {
        this.logger.warn(`energy sample not written: ${String(error)}`);
        return 0;
      })
      .finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  /**
   * Energy used against the always-on counterfactual, in total and per node. Samples count whole when their
   * end falls in [from, to]; without `to`, the energy since each node's last sample is added, so the figure is
   * current to the second.
   */
  async totals(query: EnergyQuery = {}): Promise<EnergyTotals> {
    const to = query.to ?? new Date(this.actuation.clock.now());
    const sums = await this.samples.sums({ to, from: query.from, nodeId: query.nodeId });
    const byNode = new Map<string, NodeEnergyTotals>();
    let firstAt: Date | null = null;
    const entry = (nodeId: string): NodeEnergyTotals => {
      let found = byNode.get(nodeId);
      if (!found) {
        found = { nodeId, name: this.directory.get(nodeId)?.name ?? null, powerState: this.states.stateOf(nodeId), joules: 0, alwaysOnJoules: 0, savedJoules: 0 };
        byNode.set(nodeId, found);
      }
      return found;
    };
    for (const sum of sums) {
      const totals = entry(sum.nodeId);
      totals.joules += sum.joules;
      totals.alwaysOnJoules += sum.alwaysOnJoules;
      const first = sum.firstAt;
      if (first && (!firstAt || first < firstAt)) firstAt = first;
    }
    if (!query.to) {
      const now = this.nowSeconds();
      for (const [nodeId, meter] of this.meters) {
        if (query.nodeId && nodeId !== query.nodeId) continue;
        const totals = entry(nodeId);
        totals.joules += meter.used.joulesAt(now) - meter.usedAtSample;
        totals.alwaysOnJoules += meter.alwaysOn.joulesAt(now) - meter.alwaysOnAtSample;
      }
    }
    const nodes = [...byNode.values()].map((n) => ({ ...n, savedJoules: n.alwaysOnJoules - n.joules })).sort((a, b) => (a.name ?? a.nodeId).localeCompare(b.name ?? b.nodeId));
    const joules = nodes.reduce((sum, n) => sum + n.joules, 0);
    const alwaysOnJoules = nodes.reduce((sum, n) => sum + n.alwaysOnJoules, 0);
    const savedJoules = alwaysOnJoules - joules;
    return {
      from: (query.from ?? firstAt)?.toISOString() ?? null,
      to: to.toISOString(),
      joules,
      alwaysOnJoules,
      savedJoules,
      savedPercent: alwaysOnJoules > 0 ? (savedJoules / alwaysOnJoules) * 100 : 0,
      kWh: joulesToKWh(joules),
      alwaysOnKWh: joulesToKWh(alwaysOnJoules),
      nodes,
    };
  }

  private startMeter(nodeId: string, now: number, state: PowerState): NodeMeter {
    const existing = this.meters.get(nodeId);
    if (existing) return existing;
    const node = this.directory.get(nodeId);
    const profile = node ? profileOf(node) : undefined;
    const meter: NodeMeter = {
      used: new EnergyMeter(now, profile ? drawWatts(profile, state) : 0),
      alwaysOn: new EnergyMeter(now, profile ? alwaysOnWatts(profile) : 0),
      sampledAt: now,
      usedAtSample: 0,
      alwaysOnAtSample: 0,
    };
    this.meters.set(nodeId, meter);
    return meter;
  }

  private nowSeconds(): number {
    return this.actuation.clock.now() / 1000;
  }

  private async sample(): Promise<number> {
    const now = this.nowSeconds();
    const cause = { actor: 'system:power-meter', correlationId: newMessageId() };
    const samples: Array<{ nodeId: string; from: number; joules: number; alwaysOnJoules: number; state: PowerState }> = [];
    for (const node of this.directory.all()) {
      const profile = profileOf(node);
      const state = this.states.stateOf(node.id);
      const meter = this.meters.get(node.id);
      if (!meter) {
        this.startMeter(node.id, now, state); // first sight of the node: metering starts now
        continue;
      }
      const used = meter.used.joulesAt(now);
      const alwaysOn = meter.alwaysOn.joulesAt(now);
      if (now > meter.sampledAt) samples.push({ nodeId: node.id, from: meter.sampledAt, joules: used - meter.usedAtSample, alwaysOnJoules: alwaysOn - meter.alwaysOnAtSample, state });
      Object.assign(meter, { sampledAt: now, usedAtSample: used, alwaysOnAtSample: alwaysOn });
      // The profile may have changed in the catalogue: the next interval uses the current one.
      meter.used.setDraw(now, drawWatts(profile, state));
      meter.alwaysOn.setDraw(now, alwaysOnWatts(profile));
    }
    for (const nodeId of [...this.meters.keys()]) if (!this.directory.get(nodeId)) this.meters.delete(nodeId);
    if (samples.length === 0) return 0;
    const to = new Date(now * 1000);
    await this.transactions.transact(async (tx) => {
      for (const sample of samples) {
        const from = new Date(sample.from * 1000);
        const seconds = now - sample.from;
        const watts = sample.joules / seconds;
        await this.samples.insert(tx, { nodeId: sample.nodeId, from, to, joules: sample.joules, alwaysOnJoules: sample.alwaysOnJoules, watts, state: sample.state });
        await tx.emit(
          EnergySampled,
          { nodeId: sample.nodeId, from: from.toISOString(), to: to.toISOString(), joules: Math.max(0, sample.joules), watts: Math.max(0, watts) },
          { cause, subject: sample.nodeId },
        );
      }
    });
    return samples.length;
  }
}
