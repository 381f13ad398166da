import { compareForSleep, compareForWake, isSleepable, isUp, packPending, sleepDecision, sleepForbidden, wakeDecision } from '../fleet';
import type { Decision, NodeSnapshot, PolicyInput, PolicyOutcome, PowerPolicy } from '../policy.port';

/**
 * VMware Distributed Power Management ("VMware Distributed Power Management Concepts and Use", VMware
 * white paper; vSphere Resource Management guide):
 * - DRS, and DPM with it, runs every 5 minutes (default invocation interval 300 s).
 * - Target utilisation range 63 % +/- 18 % (DemandCapacityRatioTarget 63, DemandCapacityRatioToleranceHost 18):
 *   hosts are powered on when demand over the last 5 minutes exceeds 81 %, and considered for power-off when
 *   demand over the last 40 minutes stays below 45 %.
 * - Power-off one host at a time, only a host whose work can be evacuated (here: an empty host), never below
 *   one powered-on host. Power-on brings utilisation back to the 63 % target.
 * The issue states the thresholds per host; with whole-node batch jobs a busy host is always at 100 %, so,
 * as DPM's cost-benefit analysis does for the cluster, we apply them to the demand over powered-on capacity.
 * Demand includes work waiting for room, as VMs waiting for admission would.
 */
export interface DpmOptions {
  readonly intervalSeconds: number;
  readonly targetUtilisation: number;
  readonly tolerance: number;
  readonly powerOnWindowSeconds: number;
  readonly powerOffWindowSeconds: number;
  readonly minAwakeHosts: number;
}

export const DPM_DEFAULTS: DpmOptions = {
  intervalSeconds: 300,
  targetUtilisation: 0.63,
  tolerance: 0.18,
  powerOnWindowSeconds: 300,
  powerOffWindowSeconds: 2400,
  minAwakeHosts: 1,
};

interface Sample {
  readonly at: number;
  readonly ratio: number;
}

export class DpmPolicy implements PowerPolicy {
  readonly name = 'dpm';
  readonly cadenceMs: number;
  private readonly samples: Sample[] = [];

  constructor(private readonly options: DpmOptions = DPM_DEFAULTS) {
    this.cadenceMs = options.intervalSeconds * 1000;
  }

  observe(input: PolicyInput): void {
    const { demand, capacity } = this.demandAndCapacity(input);
    // Capped so that a fleet with nothing powered on still averages to a finite, very high demand.
    const ratio = capacity > 0 ? Math.min(10, demand / capacity) : demand > 0 ? 10 : 0;
    const last = this.samples[this.samples.length - 1];
    if (last && last.at === input.now) this.samples[this.samples.length - 1] = { at: input.now, ratio };
    else if (!last || last.ratio !== ratio) this.samples.push({ at: input.now, ratio });
    const horizon = input.now - this.options.powerOffWindowSeconds * 1000;
    // The oldest sample stays while the next one is still inside the window: it holds the ratio at the window's start.
    for (let next = this.samples[1]; next !== undefined && next.at <= horizon; next = this.samples[1]) this.samples.shift();
  }

  decide(input: PolicyInput): PolicyOutcome {
    this.observe(input);
    const { now, fleet } = input;
    const decisions: Decision[] = [];
    const high = this.options.targetUtilisation + this.options.tolerance;
    const low = this.options.targetUtilisation - this.options.tolerance;
    const recent = this.average(now, this.options.powerOnWindowSeconds);
    const longer = this.average(now, this.options.powerOffWindowSeconds);
    const { demand, capacity } = this.demandAndCapacity(input);

    const { wake: unschedulable } = packPending(fleet, input.demand.pending);
    if (recent > high || unschedulable.length > 0) {
      // Enough hosts to bring demand back to the target, and at least those the waiting work needs.
      const sleeping = fleet.filter((n) => !n.maintenance && (n.power === 'asleep' || n.power === 'suspending'));
      const chosen = new Set<NodeSnapshot>(unschedulable);
      let cap = capacity + unschedulable.reduce((s, n) => s + n.capacity.cpu, 0);
      const want = demand / this.options.targetUtilisation;
      for (const node of sleeping.sort(compareForWake)) {
        if (cap >= want && chosen.size > 0) break;
        if (chosen.has(node)) continue;
        chosen.add(node);
        cap += node.capacity.cpu;
      }
      for (const node of chosen) {
        decisions.push(wakeDecision(node, 'high-demand', `demand ${(recent * 100).toFixed(0)} % of powered-on capacity over 5 min (> ${(high * 100).toFixed(0)} %) or work waiting for room`));
      }
      return { decisions, recheckAt: now + this.cadenceMs };
    }
    const awake = fleet.filter((n) => n.power === 'awake').length;
    if (longer < low && awake > this.options.minAwakeHosts) {
      const candidate = fleet.filter(isSleepable).sort(compareForSleep)[0];
      if (candidate && capacity - candidate.capacity.cpu > 0 && demand / (capacity - candidate.capacity.cpu) <= high) {
        decisions.push(sleepDecision(candidate, 'low-demand', `demand ${(longer * 100).toFixed(0)} % of powered-on capacity over 40 min (< ${(low * 100).toFixed(0)} %)`));
      }
    }
    for (const node of fleet) {
      const forbidden = node.power === 'awake' && node.workloads === 0 ? sleepForbidden(node) : undefined;
      if (forbidden) decisions.push({ action: 'hold', nodeId: node.id, ...forbidden });
    }
    return { decisions, recheckAt: now + this.cadenceMs };
  }

  /** CPU demanded (running and waiting) and the CPU of powered-on hosts. */
  private demandAndCapacity(input: PolicyInput): { demand: number; capacity: number } {
    let demand = 0;
    let capacity = 0;
    for (const node of input.fleet) {
      if (isUp(node)) capacity += node.capacity.cpu;
      demand += node.allocated.cpu;
    }
    for (const w of input.demand.pending) demand += w.requests.cpu * (w.replicas ?? 1);
    return { demand, capacity };
  }

  /** Time-weighted average of the demand ratio over the last `seconds`. */
  private average(now: number, seconds: number): number {
    const from = now - seconds * 1000;
    let weighted = 0;
    let span = 0;
    for (const [i, sample] of this.samples.entries()) {
      const start = Math.max(from, sample.at);
      const end = this.samples[i + 1]?.at ?? now;
      if (end <= start) continue;
      weighted += sample.ratio * (end - start);
      span += end - start;
    }
    return span > 0 ? weighted / span : (this.samples[this.samples.length - 1]?.ratio ?? 0);
  }
}
