import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { PendingWorkload, Resources, Toleration } from '@somnus/policy';
import { DO_NOT_SLEEP_ANNOTATION } from '@somnus/contracts';

/** What pods mean for the policy: pending demand, and the allocation of the nodes they run on. Pure. */

const GPU_RESOURCE = 'nvidia.com/gpu';
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity ("500m", "2", "1.5Gi", "128974848", "1e3") as a plain number, or NaN. */
export function parseQuantity(quantity: string | number | undefined): number {
  if (quantity === undefined) return 0;
  if (typeof quantity === 'number') return quantity;
  const match = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|K|M|G|T|P|E)?$/.exec(quantity.trim());
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  const suffix = match[2] ?? '';
  return value * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1);
}

function finite(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

type ResourceMap = Record<string, string | number> | undefined;

function resourcesOf(map: ResourceMap): Resources {
  return {
    cpu: finite(parseQuantity(map?.cpu)),
    memoryMiB: finite(parseQuantity(map?.memory)) / 2 ** 20,
    gpu: finite(parseQuantity(map?.[GPU_RESOURCE])),
  };
}

function add(a: Resources, b: Resources): Resources {
  return { cpu: a.cpu + b.cpu, memoryMiB: a.memoryMiB + b.memoryMiB, gpu: a.gpu + b.gpu };
}

function max(a: Resources, b: Resources): Resources {
  return { cpu: Math.max(a.cpu, b.cpu), memoryMiB: Math.max(a.memoryMiB, b.memoryMiB), gpu: Math.max(a.gpu, b.gpu) };
}

/**
 * A pod's effective requests as kube-scheduler counts them: the sum over its containers, or the largest init
 * container when that is bigger, plus the pod overhead. A container with limits but no requests requests its
 * limits.
 */
export function podRequests(pod: V1Pod): Resources {
  const spec = pod.spec;
  let sum: Resources = { cpu: 0, memoryMiB: 0, gpu: 0 };
  for (const c of spec?.containers ?? []) sum = add(sum, resourcesOf({ ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } as ResourceMap));
  let init: Resources = { cpu: 0, memoryMiB: 0, gpu: 0 };
  for (const c of spec?.initContainers ?? []) init = max(init, resourcesOf({ ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) } as ResourceMap));
  return add(max(sum, init), resourcesOf(spec?.overhead as ResourceMap));
}

/** Whether kube-scheduler gave up placing the pod for now: PodScheduled=False with reason Unschedulable. */
export function isUnschedulable(pod: V1Pod): boolean {
  if (pod.spec?.nodeName || pod.status?.phase !== 'Pending') return false;
  return (pod.status?.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
}

/** Whether the pod holds room on a node: bound and not finished. */
export function occupiesNode(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

/** DaemonSet and mirror (static) pods run on every node anyway: they never make a node busy. */
export function isNodeBound(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.['kubernetes.io/config.mirror']) return true;
  return (pod.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet');
}

/** A pod that cannot be moved by eviction: local storage, or the do-not-sleep annotation. */
export function isImmovable(pod: V1Pod): boolean {
  const doNotSleep = pod.metadata?.annotations?.[DO_NOT_SLEEP_ANNOTATION];
  if (doNotSleep !== undefined && doNotSleep !== 'false') return true;
  return (pod.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined || v.hostPath !== undefined);
}

export function podKey(pod: V1Pod): string {
  return pod.metadata?.uid ?? `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}`;
}

function epochOf(time: Date | string | undefined, fallback: number): number {
  if (time === undefined) return fallback;
  const ms = time instanceof Date ? time.getTime() : Date.parse(time);
  return Number.isFinite(ms) ? ms : fallback;
}

const EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** An Unschedulable pod as the policy's pending workload: requests, selector, tolerations, priority. */
export function pendingWorkloadOf(pod: V1Pod, now: number): PendingWorkload {
  const tolerations: Toleration[] = (pod.spec?.tolerations ?? []).map((t) => ({
    key: t.key || undefined,
    operator: t.operator === 'Exists' ? 'Exists' : 'Equal',
    value: t.value,
    effect: t.effect && EFFECTS.has(t.effect) ? (t.effect as Toleration['effect']) : undefined,
  }));
  return {
    id: podKey(pod),
    requests: podRequests(pod),
    submittedAt: epochOf(pod.metadata?.creationTimestamp, now),
    nodeSelector: pod.spec?.nodeSelector && Object.keys(pod.spec.nodeSelector).length > 0 ? { ...pod.spec.nodeSelector } : undefined,
    tolerations: tolerations.length > 0 ? tolerations : undefined,
    priority: pod.spec?.priority ?? undefined,
  };
}

/** What the pods bound to one Kubernetes node add up to. */
export interface NodeAllocation {
  allocated: Resources;
  /** Pods that keep the node busy (DaemonSet and mirror pods excluded). */
  workloads: number;
  workloadsMovable: boolean;
  /** Ids of those pods, for the policy's running workloads. */
  podIds: string[];
}

export function allocationByNode(pods: Iterable<V1Pod>): Map<string, NodeAllocation> {
  const byNode = new Map<string, NodeAllocation>();
  for (const pod of pods) {
    if (!occupiesNode(pod)) continue;
    const nodeName = pod.spec!.nodeName!;
    let entry = byNode.get(nodeName);
    if (!entry) {
      entry = { allocated: { cpu: 0, memoryMiB: 0, gpu: 0 }, workloads: 0, workloadsMovable: true, podIds: [] };
      byNode.set(nodeName, entry);
    }
    entry.allocated = add(entry.allocated, podRequests(pod));
    if (isNodeBound(pod)) continue;
    entry.workloads++;
    entry.podIds.push(podKey(pod));
    if (isImmovable(pod)) entry.workloadsMovable = false;
  }
  return byNode;
}

/** How the Kubernetes API sees a node's power: Ready means awake; NotReady/Unknown means down or booting. */
export function kubeNodeReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}
