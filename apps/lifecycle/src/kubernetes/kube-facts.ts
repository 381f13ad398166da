// Pure mapping from Kubernetes objects to the facts the domain's safety checks and idle detector read.
import type { V1Node, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { isNodeBoundPod, PdbFacts, PodFacts, Resources, VolumeKind } from '@somnus/domain';

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';

export interface NodeObservation {
  /** The node's Ready condition as the API reports it. */
  ready: 'True' | 'False' | 'Unknown';
  /** Whether the node lifecycle controller marked it unreachable (what a sleeping machine looks like). */
  unreachable: boolean;
  unschedulable: boolean;
}

export interface PodOnNode extends PodFacts {
  requests: Resources;
}

export function observeNode(node: V1Node): NodeObservation {
  const condition = node.status?.conditions?.find((c) => c.type === 'Ready');
  const status = condition?.status;
  return {
    ready: status === 'True' || status === 'False' ? status : 'Unknown',
    unreachable: (node.spec?.taints ?? []).some((taint) => taint.key === UNREACHABLE_TAINT),
    unschedulable: node.spec?.unschedulable === true,
  };
}

function volumeKind(volume: NonNullable<NonNullable<V1Pod['spec']>['volumes']>[number]): VolumeKind {
  if (volume.emptyDir) return 'emptyDir';
  if (volume.hostPath) return 'hostPath';
  return 'other';
}

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;

export function podFacts(pod: V1Pod): PodOnNode {
  const phase = PHASES.find((p) => p === pod.status?.phase);
  return {
    name: pod.metadata?.name ?? '',
    namespace: pod.metadata?.namespace ?? 'default',
    labels: pod.metadata?.labels ?? {},
    annotations: pod.metadata?.annotations ?? {},
    ownerKinds: (pod.metadata?.ownerReferences ?? []).map((owner) => owner.kind),
    volumes: (pod.spec?.volumes ?? []).map(volumeKind),
    phase,
    requests: podRequests(pod),
  };
}

/** Pods that would have to move off the node: not DaemonSet or mirror pods, not finished. */
export function movablePods<P extends PodFacts>(pods: readonly P[]): P[] {
  return pods.filter((pod) => !isNodeBoundPod(pod) && pod.phase !== 'Succeeded' && pod.phase !== 'Failed');
}

export function pdbFacts(pdb: V1PodDisruptionBudget): PdbFacts {
  const selector = pdb.spec?.selector;
  return {
    name: pdb.metadata?.name ?? '',
    namespace: pdb.metadata?.namespace ?? 'default',
    selector: selector
      ? {
          matchLabels: selector.matchLabels,
          matchExpressions: selector.matchExpressions?.map((e) => ({ key: e.key, operator: e.operator as 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', values: e.values })),
        }
      : null,
    disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0,
  };
}

/** Kubernetes quantity to cores (`500m`, `2`) or MiB (`512Mi`, `1Gi`, `1G`, bytes). Unknown forms count as 0. */
export function cpuCores(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(quantity.trim());
  if (!match) return 0;
  return match[2] === 'm' ? Number(match[1]) / 1000 : Number(match[1]);
}

const MEMORY_UNITS: Record<string, number> = {
  '': 1 / 1_048_576,
  k: 1_000 / 1_048_576,
  M: 1_000_000 / 1_048_576,
  G: 1_000_000_000 / 1_048_576,
  T: 1_000_000_000_000 / 1_048_576,
  Ki: 1 / 1_024,
  Mi: 1,
  Gi: 1_024,
  Ti: 1_048_576,
};

export function memoryMiB(quantity: string | undefined): number {
  if (!quantity) return 0;
  const match = /^(\d+(?:\.\d+)?)([kMGT]i?|Ki)?$/.exec(quantity.trim());
  if (!match) return 0;
  return Number(match[1]) * (MEMORY_UNITS[match[2] ?? ''] ?? 0);
}

export function podRequests(pod: V1Pod): Resources {
  let cpu = 0;
  let memory = 0;
  for (const container of pod.spec?.containers ?? []) {
    const requests = (container.resources?.requests ?? {}) as Record<string, string>;
    cpu += cpuCores(requests.cpu);
    memory += memoryMiB(requests.memory);
  }
  return { cpu, memoryMiB: memory };
}
