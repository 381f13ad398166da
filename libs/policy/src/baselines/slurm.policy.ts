import { isSleepable, packPending, RateWindow, sleepDecision, sleepForbidden, wakeDecision } from '../fleet';
import type { Decision, PolicyInput, PolicyOutcome, PowerPolicy } from '../policy.port';

/**
 * Slurm's power saving (slurm.conf, https://slurm.schedmd.com/power_save.html):
 * - SuspendTime: a node idle this long is suspended. The documentation's example uses 600 s.
 * - SuspendRate: at most 60 nodes suspended per minute (default 60).
 * - ResumeRate: at most 300 nodes resumed per minute (default 300).
 * - ResumeTimeout: default 60 s, but the documentation asks for a value longer than a node's boot; a
 *   Wake-on-LAN resume from suspend takes 151.5 s on Batsim's platform, so we use 300 s (a node that does not
 *   answer in time would be marked DOWN; the replay's nodes always answer).
 * - SuspendTimeout 30 s (default) bounds the suspend itself.
 * The power-save thread checks about every 10 s. Slurm allocates jobs to powered-down nodes and resumes
 * exactly those, which is what packing pending work onto sleeping nodes reproduces.
 */
export interface SlurmOptions {
  readonly suspendTimeSeconds: number;
  readonly suspendRatePerMinute: number;
  readonly resumeRatePerMinute: number;
  readonly resumeTimeoutSeconds: number;
  readonly suspendTimeoutSeconds: number;
}

export const SLURM_DEFAULTS: SlurmOptions = {
  suspendTimeSeconds: 600,
  suspendRatePerMinute: 60,
  resumeRatePerMinute: 300,
  resumeTimeoutSeconds: 300,
  suspendTimeoutSeconds: 30,
};

export class SlurmPowerSavingPolicy implements PowerPolicy {
  readonly name = 'slurm';
  readonly cadenceMs = 10_000;
  private readonly suspends: RateWindow;
  private readonly resumes: RateWindow;

  constructor(private readonly options: SlurmOptions = SLURM_DEFAULTS) {
    this.suspends = new RateWindow(options.suspendRatePerMinute, 60_000);
    this.resumes = new RateWindow(options.resumeRatePerMinute, 60_000);
  }

  decide(input: PolicyInput): PolicyOutcome {
    const { now, fleet, demand } = input;
    const decisions: Decision[] = [];
    let recheckAt = Number.POSITIVE_INFINITY;

    const resumeBudget = this.resumes.remaining(now);
    const { wake } = packPending(fleet, demand.pending);
    for (const node of wake.slice(0, resumeBudget)) {
      decisions.push(wakeDecision(node, 'unschedulable-work', `jobs are allocated to ${node.name}, which is powered down`));
    }
    this.resumes.record(now, Math.min(wake.length, resumeBudget));
    if (wake.length > resumeBudget) recheckAt = Math.min(recheckAt, this.resumes.nextSlotAt() ?? now);

    const suspendTimeMs = this.options.suspendTimeSeconds * 1000;
    const idle = fleet
      .filter((n) => isSleepable(n) && n.idleSince !== undefined)
      .sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0) || (a.id < b.id ? -1 : 1));
    let suspendBudget = this.suspends.remaining(now);
    for (const node of idle) {
      const due = (node.idleSince ?? now) + suspendTimeMs;
      if (due > now) {
        recheckAt = Math.min(recheckAt, due);
        continue;
      }
      if (suspendBudget === 0) {
        recheckAt = Math.min(recheckAt, this.suspends.nextSlotAt() ?? now);
        break;
      }
      decisions.push(sleepDecision(node, 'idle-past-threshold', `${node.name} idle for ${Math.round((now - (node.idleSince ?? now)) / 1000)} s >= SuspendTime ${this.options.suspendTimeSeconds} s`));
      this.suspends.record(now);
      suspendBudget--;
    }
    for (const node of fleet) {
      const forbidden = node.power === 'awake' && node.workloads === 0 ? sleepForbidden(node) : undefined;
      if (forbidden) decisions.push({ action: 'hold', nodeId: node.id, ...forbidden });
    }
    return { decisions, recheckAt };
  }
}
