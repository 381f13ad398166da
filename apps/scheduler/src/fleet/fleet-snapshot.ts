import type { LifecycleState, Node } from '@somnus/contracts';
import type { NodePower, NodeSnapshot } from '@somnus/policy';
import type { NodeAllocation } from '../demand/pod-demand';

/** The scheduler's projection of one node: the catalogue entry plus what lifecycle and power said last. */
export interface ProjectedNode {
  node: Node;
  state?: LifecycleState;
  stateAt?: number;
  /** The power service's latest word: waking, woke, wake-failed, sleeping, slept. */
  power?: NodePower;
  powerAt?: number;
  lastWakeAt?: number;
  lastSleepAt?: number;
  idleSince?: number;
  /** When lifecycle last refused to drain or sleep it. */
  sleepRefusedAt?: number;
  /** When power last refused to wake it (rate limit, unknown node, missing settings). */
  wakeRefusedAt?: number;
}

/** What the Kubernetes API shows of a node, when there is one. */
export interface KubeNodeView {
  ready: boolean;
  cordoned: boolean;
}

/** A wake or drain the leader asked for and has not yet seen an answer to. */
export interface InFlight {
  action: 'wake' | 'sleep';
  at: number;
}

const POWER_OF_STATE: Partial<Record<LifecycleState, NodePower>> = {
  ready: 'awake',
  active: 'awake',
  idle: 'awake',
  waking: 'booting',
  sleeping: 'asleep',
  // Draining nodes are cordoned and on their way down: neither room for work nor a node to wake.
  draining: 'unavailable',
  unhealthy: 'unavailable',
  provisioning: 'unavailable',
  initializing: 'unavailable',
};

/**
 * Where a node is in its power cycle, from the freshest source: the wake or drain we just asked for, then
 * the newer of lifecycle's state and power's events, then the Kubernetes node's readiness, else awake.
 */
export function powerOf(projected: ProjectedNode, kube: KubeNodeView | undefined, inFlight: InFlight | undefined): NodePower {
  if (inFlight) return inFlight.action === 'wake' ? 'booting' : 'unavailable';
  const fromState = projected.state ? POWER_OF_STATE[projected.state] : undefined;
  if (projected.power && (fromState === undefined || (projected.powerAt ?? 0) > (projected.stateAt ?? 0))) return projected.power;
  if (fromState) return fromState;
  if (kube) return kube.ready ? (kube.cordoned ? 'unavailable' : 'awake') : 'asleep';
  return 'awake';
}

/**
 * An in-flight action is over once lifecycle or power said something newer about the node that answers it,
 * or it expired. For a wake, news that the node is still asleep does not count: it can be a report written
 * before the wake reached power (a first sighting at start-up), and counting it would wake a second node for
 * the same work.
 */
export function inFlightSettled(inFlight: InFlight, projected: ProjectedNode | undefined, now: number, timeoutMs: number): boolean {
  if (!projected) return true;
  if (now - inFlight.at >= timeoutMs) return true;
  if (inFlight.action === 'wake') {
    if ((projected.wakeRefusedAt ?? 0) > inFlight.at) return true;
    if ((projected.powerAt ?? 0) > inFlight.at && projected.power !== 'asleep') return true;
    return (projected.stateAt ?? 0) > inFlight.at && projected.state !== 'sleeping';
  }
  const latest = Math.max(projected.stateAt ?? 0, projected.powerAt ?? 0, projected.sleepRefusedAt ?? 0, projected.wakeRefusedAt ?? 0);
  return latest > inFlight.at;
}

export function kubeNameOf(node: Node): string {
  return node.kubernetesNodeName ?? node.name;
}

export interface SnapshotSources {
  nodes: readonly ProjectedNode[];
  /** By Kubernetes node name; absent without Kubernetes. */
  kubeNodes?: ReadonlyMap<string, KubeNodeView>;
  allocations?: ReadonlyMap<string, NodeAllocation>;
  inFlight: ReadonlyMap<string, InFlight>;
}

/** The fleet as the policy sees it. Decommissioned nodes are left out. */
export function buildFleetSnapshot(sources: SnapshotSources): NodeSnapshot[] {
  const fleet: NodeSnapshot[] = [];
  for (const projected of sources.nodes) {
    const { node } = projected;
    if (projected.state === 'decommissioned') continue;
    const kubeName = kubeNameOf(node);
    const kube = sources.kubeNodes?.get(kubeName);
    const allocation = sources.allocations?.get(kubeName);
    const power = powerOf(projected, kube, sources.inFlight.get(node.id));
    // Without Kubernetes the scheduler cannot count workloads: lifecycle's "idle" says there are none.
    const workloads = allocation ? allocation.workloads : sources.allocations ? 0 : projected.state === 'active' ? 1 : 0;
    fleet.push({
      id: node.id,
      name: node.name,
      tier: node.tier,
      power,
      maintenance: projected.state === 'maintenance',
      capacity: { cpu: node.capacity.cpu, memoryMiB: node.capacity.memoryMiB, gpu: node.capacity.gpu },
      allocated: power === 'awake' && allocation ? allocation.allocated : { cpu: 0, memoryMiB: 0, gpu: 0 },
      workloads,
      workloadsMovable: allocation?.workloadsMovable ?? true,
      labels: node.labels,
      // The catalogue's taints only: the unreachable taint Kubernetes puts on a sleeping node must not stop
      // the policy from choosing it.
      taints: node.taints,
      idleSince: workloads === 0 && power === 'awake' ? projected.idleSince : undefined,
      lastWakeAt: projected.lastWakeAt,
      lastSleepAt: projected.lastSleepAt,
      powerProfile: node.powerProfile,
    });
  }
  return fleet;
}
