import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { ClusterChange, KubeCluster } from './kube-cluster';
import { isNodeReady, KubeNode, KubePod, parseQuantity, podRequest, Taint, Toleration } from './kube-objects';

export interface ArrivalStamp {
  monotonicMs: number;
  epochMs: number;
}

export interface PodBound {
  namespace: string;
  name: string;
  node: string;
  at: ArrivalStamp;
}

export interface PodUnschedulable {
  namespace: string;
  name: string;
  /** Exactly the message kube-scheduler writes, e.g. "0/24 nodes are available: 3 Insufficient cpu, ...". */
  message: string;
  /** True the first time this pod is marked Unschedulable (the moment a reaction benchmark starts from). */
  first: boolean;
  at: ArrivalStamp;
}

export interface BinderOptions {
  /** kube-scheduler's default spreads pods (least allocated); most allocated packs them, as bin-packing setups do. */
  scoring?: 'least-allocated' | 'most-allocated';
  maxPodsPerNode?: number;
  hostIP?: string;
}

interface Allocation {
  cpu: number;
  memory: number;
  gpu: number;
  pods: number;
}

const GPU = 'nvidia.com/gpu';
/** Filter failures that preemption could not fix, as kube-scheduler classifies them. */
const UNRESOLVABLE = new Set(['node(s) were unschedulable', "node(s) didn't match Pod's node affinity/selector"]);

function stamp(): ArrivalStamp {
  return { monotonicMs: performance.now(), epochMs: Date.now() };
}

function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (!toleration.key) return toleration.operator === 'Exists';
  if (toleration.key !== taint.key) return false;
  return toleration.operator === 'Exists' || (toleration.value ?? '') === (taint.value ?? '');
}

function isTerminal(pod: KubePod): boolean {
  return pod.status.phase === 'Succeeded' || pod.status.phase === 'Failed';
}

/**
 * The default scheduler's filters, in its plugin order (NodeUnschedulable, TaintToleration, NodeAffinity,
 * NodeResourcesFit): the reasons a node cannot take a pod, empty when it can.
 */
export function filterNode(pod: KubePod, node: KubeNode, allocated: Allocation, maxPods: number): string[] {
  const tolerations = pod.spec.tolerations ?? [];
  const unschedulableTaint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
  if (node.spec.unschedulable && !tolerations.some((toleration) => tolerates(toleration, unschedulableTaint))) return ['node(s) were unschedulable'];

  const taints = [...(node.spec.taints ?? [])];
  // A node that is not Ready carries the not-ready taint; add it if the node's owner did not.
  if (!isNodeReady(node) && !taints.some((taint) => taint.key.startsWith('node.kubernetes.io/un') || taint.key === 'node.kubernetes.io/not-ready')) {
    taints.push({ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' });
  }
  const untolerated = taints.find(
    (taint) => taint.effect !== 'PreferNoSchedule' && taint.key !== unschedulableTaint.key && !tolerations.some((toleration) => tolerates(toleration, taint)),
  );
  if (untolerated) return [`node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`];

  const labels = node.metadata.labels ?? {};
  if (Object.entries(pod.spec.nodeSelector ?? {}).some(([key, value]) => labels[key] !== value)) return ["node(s) didn't match Pod's node affinity/selector"];

  const reasons: string[] = [];
  if (allocated.pods + 1 > maxPods) reasons.push('Too many pods');
  const free = (resource: string, used: number): number => parseQuantity(node.status.allocatable[resource] ?? '0') - used;
  if (podRequest(pod, 'cpu') > free('cpu', allocated.cpu) + 1e-9) reasons.push('Insufficient cpu');
  if (podRequest(pod, 'memory') > free('memory', allocated.memory)) reasons.push('Insufficient memory');
  if (podRequest(pod, GPU) > free(GPU, allocated.gpu)) reasons.push(`Insufficient ${GPU}`);
  return reasons;
}

/** "0/24 nodes are available: 3 Insufficient cpu, 21 node(s) had untolerated taint {...}. preemption: ..." */
export function unschedulableMessage(nodeCount: number, reasonsByNode: string[][]): string {
  const counts = new Map<string, number>();
  for (const reasons of reasonsByNode) for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  const summary = [...counts].map(([reason, count]) => `${count} ${reason}`).sort();
  let notHelpful = 0;
  let noVictims = 0;
  for (const reasons of reasonsByNode) {
    if (reasons.some((reason) => UNRESOLVABLE.has(reason) || reason.startsWith('node(s) had untolerated taint'))) notHelpful += 1;
    else noVictims += 1;
  }
  const preemption = [noVictims ? `${noVictims} No preemption victims found for incoming pod` : '', notHelpful ? `${notHelpful} Preemption is not helpful for scheduling` : '']
    .filter(Boolean)
    .sort();
  const available = `0/${nodeCount} nodes are available`;
  if (nodeCount === 0) return `no nodes available to schedule pods`;
  return `${available}: ${summary.join(', ')}. preemption: ${available}: ${preemption.join(', ')}.`;
}

/**
 * Places pending pods on Ready, schedulable nodes with room, and marks the rest `PodScheduled=False,
 * reason=Unschedulable` as kube-scheduler does. Passes run after every cluster change, coalesced.
 */
export class Binder extends EventEmitter<{ bound: [PodBound]; unschedulable: [PodUnschedulable] }> {
  private passQueued = false;
  private running = false;
  private readonly onChange = (change: ClusterChange): void => {
    // A pass after the binder's own writes finds nothing new to write, so passes settle by themselves.
    if (change.resource === 'poddisruptionbudgets') return;
    this.queuePass();
  };

  constructor(
    private readonly cluster: KubeCluster,
    private readonly options: BinderOptions = {},
  ) {
    super();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.cluster.on('change', this.onChange);
    this.queuePass();
  }

  stop(): void {
    this.running = false;
    this.cluster.off('change', this.onChange);
  }

  private queuePass(): void {
    if (this.passQueued || !this.running) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      if (this.running) this.schedulePending();
    });
  }

  /** One scheduling pass over every pending pod, highest priority and oldest first. */
  schedulePending(): { bound: number; unschedulable: number } {
    const nodes = this.cluster.listNodes();
    const pods = this.cluster.listPods();
    const allocation = new Map<string, Allocation>(nodes.map((node) => [node.metadata.name, { cpu: 0, memory: 0, gpu: 0, pods: 0 }]));
    for (const pod of pods) {
      const used = pod.spec.nodeName ? allocation.get(pod.spec.nodeName) : undefined;
      if (!used || isTerminal(pod)) continue;
      used.cpu += podRequest(pod, 'cpu');
      used.memory += podRequest(pod, 'memory');
      used.gpu += podRequest(pod, GPU);
      used.pods += 1;
    }
    const pending = pods
      .filter((pod) => !pod.spec.nodeName && pod.status.phase === 'Pending' && !pod.metadata.deletionTimestamp && (pod.spec.schedulerName ?? 'default-scheduler') === 'default-scheduler')
      .sort((a, b) => (b.spec.priority ?? 0) - (a.spec.priority ?? 0) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));

    const maxPods = this.options.maxPodsPerNode ?? 110;
    let bound = 0;
    let unschedulable = 0;
    for (const pod of pending) {
      const reasonsByNode: string[][] = [];
      const feasible: KubeNode[] = [];
      for (const node of nodes) {
        const reasons = filterNode(pod, node, allocation.get(node.metadata.name)!, maxPods);
        if (reasons.length === 0) feasible.push(node);
        else reasonsByNode.push(reasons);
      }
      if (feasible.length === 0) {
        if (this.markUnschedulable(pod, unschedulableMessage(nodes.length, reasonsByNode))) unschedulable += 1;
        continue;
      }
      const chosen = this.best(pod, feasible, allocation);
      const used = allocation.get(chosen.metadata.name)!;
      used.cpu += podRequest(pod, 'cpu');
      used.memory += podRequest(pod, 'memory');
      used.gpu += podRequest(pod, GPU);
      used.pods += 1;
      this.bind(pod, chosen.metadata.name);
      bound += 1;
    }
    return { bound, unschedulable };
  }

  /** The NodeResourcesFit score: share of cpu and memory that would be in use after placing the pod. */
  private best(pod: KubePod, nodes: KubeNode[], allocation: Map<string, Allocation>): KubeNode {
    const usedShare = (node: KubeNode): number => {
      const used = allocation.get(node.metadata.name)!;
      const cpu = (used.cpu + podRequest(pod, 'cpu')) / Math.max(1e-9, parseQuantity(node.status.allocatable.cpu));
      const memory = (used.memory + podRequest(pod, 'memory')) / Math.max(1, parseQuantity(node.status.allocatable.memory));
      return (cpu + memory) / 2;
    };
    const packing = this.options.scoring === 'most-allocated';
    return nodes.reduce((best, node) => {
      const better = packing ? usedShare(node) > usedShare(best) : usedShare(node) < usedShare(best);
      return better ? node : best;
    });
  }

  private bind(pod: KubePod, nodeName: string): void {
    const now = new Date().toISOString();
    const namespace = pod.metadata.namespace ?? 'default';
    this.cluster.updatePod(namespace, pod.metadata.name, (current) => ({
      ...current,
      spec: { ...current.spec, nodeName },
      status: {
        ...current.status,
        phase: 'Running',
        hostIP: this.options.hostIP ?? '127.0.0.1',
        podIP: `10.244.${(nodeName.length * 7) % 250}.${1 + (Number(current.metadata.resourceVersion ?? 0) % 250)}`,
        startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True' as const, lastProbeTime: null, lastTransitionTime: now })),
        containerStatuses: current.spec.containers.map((container) => ({
          name: container.name,
          image: container.image,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      },
    }));
    this.emit('bound', { namespace, name: pod.metadata.name, node: nodeName, at: stamp() });
  }

  /** Writes the PodScheduled condition; returns false when the pod already said exactly this. */
  private markUnschedulable(pod: KubePod, message: string): boolean {
    const existing = pod.status.conditions?.find((condition) => condition.type === 'PodScheduled');
    if (existing?.status === 'False' && existing.reason === 'Unschedulable' && existing.message === message) return false;
    const first = !(existing?.status === 'False' && existing.reason === 'Unschedulable');
    const now = new Date().toISOString();
    const namespace = pod.metadata.namespace ?? 'default';
    this.cluster.updatePod(namespace, pod.metadata.name, (current) => ({
      ...current,
      status: {
        ...current.status,
        phase: 'Pending',
        conditions: [
          ...(current.status.conditions ?? []).filter((condition) => condition.type !== 'PodScheduled'),
          { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: first ? now : (existing?.lastTransitionTime ?? now) },
        ],
      },
    }));
    this.emit('unschedulable', { namespace, name: pod.metadata.name, message, first, at: stamp() });
    return true;
  }
}
