import { freeOf, isSleepable, isUp, packPending, requestedShare, sleepDecision, sleepForbidden, wakeDecision } from '../fleet';
import type { Decision, NodeSnapshot, PolicyInput, PolicyOutcome, PowerPolicy } from '../policy.port';

/**
 * Kubernetes Cluster Autoscaler (kubernetes/autoscaler, cluster-autoscaler/FAQ.md, flags as documented):
 * - --scan-interval 10s: the loop runs every 10 s.
 * - scale-up when pods are unschedulable: wake the nodes they need (the replay's node groups are single nodes).
 * - --scale-down-utilization-threshold 0.5: a node is unneeded when the sum of its pods' cpu and memory
 *   requests, each over allocatable, the larger of the two, is below 0.5, and all its pods fit elsewhere.
 * - --scale-down-unneeded-time 10m: removed after being unneeded this long.
 * - --scale-down-delay-after-add 10m: no scale-down for 10 min after a scale-up (cluster-wide).
 * - --max-empty-bulk-delete 10: at most 10 empty nodes at once; non-empty nodes one at a time.
 * Pods that cannot move (no controller, local storage, batch jobs) block a node's removal, as in the FAQ.
 * "Removing" a node here means putting it to sleep, waking it is a scale-up.
 */
export interface ClusterAutoscalerOptions {
  readonly utilisationThreshold: number;
  readonly unneededSeconds: number;
  readonly delayAfterAddSeconds: number;
  readonly maxEmptyBulkDelete: number;
}

export const CLUSTER_AUTOSCALER_DEFAULTS: ClusterAutoscalerOptions = {
  utilisationThreshold: 0.5,
  unneededSeconds: 600,
  delayAfterAddSeconds: 600,
  maxEmptyBulkDelete: 10,
};

export class ClusterAutoscalerPolicy implements PowerPolicy {
  readonly name = 'cluster-autoscaler';
  readonly cadenceMs = 10_000;
  private readonly unneededSince = new Map<string, number>();
  private lastScaleUpAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: ClusterAutoscalerOptions = CLUSTER_AUTOSCALER_DEFAULTS) {}

  decide(input: PolicyInput): PolicyOutcome {
    const { now, fleet, demand } = input;
    const decisions: Decision[] = [];
    let recheckAt = Number.POSITIVE_INFINITY;

    const { wake } = packPending(fleet, demand.pending);
    for (const node of wake) decisions.push(wakeDecision(node, 'unschedulable-work', `pods are unschedulable: scale up with ${node.name}`));
    if (wake.length > 0) this.lastScaleUpAt = now;
    for (const node of fleet) if (node.lastWakeAt !== undefined) this.lastScaleUpAt = Math.max(this.lastScaleUpAt, node.lastWakeAt);

    // Track which nodes are unneeded, and since when.
    const seen = new Set<string>();
    for (const node of fleet) {
      if (!this.isUnneeded(node, fleet)) continue;
      seen.add(node.id);
      if (!this.unneededSince.has(node.id)) this.unneededSince.set(node.id, now);
    }
    for (const id of [...this.unneededSince.keys()]) if (!seen.has(id)) this.unneededSince.delete(id);

    const unneededMs = this.options.unneededSeconds * 1000;
    const scaleDownFrom = this.lastScaleUpAt + this.options.delayAfterAddSeconds * 1000;
    if (wake.length === 0 && now < scaleDownFrom) recheckAt = Math.min(recheckAt, scaleDownFrom);
    const ready = fleet
      .filter((n) => seen.has(n.id))
      .filter((n) => {
        const due = (this.unneededSince.get(n.id) ?? now) + unneededMs;
        if (due > now) recheckAt = Math.min(recheckAt, due);
        return due <= now;
      });
    if (wake.length === 0 && now >= scaleDownFrom && ready.length > 0) {
      const empty = ready.filter((n) => n.workloads === 0).slice(0, this.options.maxEmptyBulkDelete);
      const chosen = empty.length > 0 ? empty : ready.slice(0, 1);
      for (const node of chosen) {
        decisions.push(sleepDecision(node, 'underutilised', `${node.name} unneeded for ${this.options.unneededSeconds} s (requests ${(requestedShare(node) * 100).toFixed(0)} % < ${this.options.utilisationThreshold * 100} %)`));
        this.unneededSince.delete(node.id);
      }
    }
    for (const node of fleet) {
      const forbidden = node.power === 'awake' && node.workloads === 0 ? sleepForbidden(node) : undefined;
      if (forbidden) decisions.push({ action: 'hold', nodeId: node.id, ...forbidden });
    }
    return { decisions, recheckAt };
  }

  private isUnneeded(node: NodeSnapshot, fleet: readonly NodeSnapshot[]): boolean {
    if (node.power !== 'awake' || sleepForbidden(node)) return false;
    if (requestedShare(node) >= this.options.utilisationThreshold) return false;
    if (node.workloads === 0) return isSleepable(node);
    if (!node.workloadsMovable) return false;
    // Its work must fit on another node that is up (a simplified version of CA's drain simulation).
    return fleet.some((other) => {
      if (other.id === node.id || !isUp(other) || other.maintenance) return false;
      const f = freeOf(other);
      return f.cpu >= node.allocated.cpu && f.memoryMiB >= node.allocated.memoryMiB && f.gpu >= node.allocated.gpu;
    });
  }
}
