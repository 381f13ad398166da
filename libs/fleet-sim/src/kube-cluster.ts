import { randomUUID, randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  isNodeReady,
  KubeNode,
  KubePod,
  KubePodDisruptionBudget,
  kubeStatus,
  KubeStatus,
  matchesLabelSelector,
  podKey,
} from './kube-objects';

export type ClusterResource = 'nodes' | 'pods' | 'poddisruptionbudgets';
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export type ClusterObject = KubeNode | KubePod | KubePodDisruptionBudget;

/** One write, as a watch replays it: the object after the write and, for modifications, before it. */
export interface ClusterChange {
  resource: ClusterResource;
  type: WatchEventType;
  object: ClusterObject;
  previous?: ClusterObject;
  resourceVersion: number;
}

/** An API failure carrying the `Status` body the server answers with. */
export class KubeApiError extends Error {
  constructor(readonly status: KubeStatus) {
    super(status.message);
  }
}

export type EvictionOutcome = { evicted: true; replacement?: KubePod } | { evicted: false; status: KubeStatus };

/** Controllers that replace a pod deleted before it finished, so evicted work lands elsewhere. */
const REPLACING_CONTROLLERS = new Set(['ReplicaSet', 'ReplicationController', 'StatefulSet', 'Job']);
/** How many writes a watch can resume across before it must re-list (410 Gone), like the watch cache. */
const HISTORY_LIMIT = 10_000;
/** The alphabet Kubernetes uses for generated name suffixes (no vowels, no look-alikes). */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

function clone<T>(value: T): T {
  return structuredClone(value);
}

function generatedSuffix(): string {
  return Array.from({ length: 5 }, () => NAME_ALPHABET[randomInt(NAME_ALPHABET.length)]).join('');
}

/**
 * The simulated cluster's store (what etcd and the controllers hold): nodes, pods and disruption budgets, one
 * global resource version, and a bounded history of changes so watches can resume from a version.
 */
export class KubeCluster extends EventEmitter<{ change: [ClusterChange] }> {
  private version = 0;
  private readonly nodes = new Map<string, KubeNode>();
  private readonly pods = new Map<string, KubePod>();
  private readonly budgets = new Map<string, KubePodDisruptionBudget>();
  private readonly history: ClusterChange[] = [];
  private forgottenUpTo = 0;

  get resourceVersion(): string {
    return String(this.version);
  }

  /** Changes after `resourceVersion`, or 'expired' when the history no longer reaches back that far. */
  changesSince(resourceVersion: number): ClusterChange[] | 'expired' {
    if (resourceVersion < this.forgottenUpTo) return 'expired';
    return this.history.filter((change) => change.resourceVersion > resourceVersion);
  }

  // --- nodes ---

  listNodes(): KubeNode[] {
    return [...this.nodes.values()].map(clone);
  }

  getNode(name: string): KubeNode {
    const node = this.nodes.get(name);
    if (!node) throw new KubeApiError(kubeStatus(404, 'NotFound', `nodes "${name}" not found`, { name, kind: 'nodes' }));
    return clone(node);
  }

  /** Registers a node (as a kubelet does when it first starts). */
  addNode(node: KubeNode): KubeNode {
    if (this.nodes.has(node.metadata.name)) {
      throw new KubeApiError(kubeStatus(409, 'AlreadyExists', `nodes "${node.metadata.name}" already exists`));
    }
    const stored: KubeNode = { ...clone(node), metadata: { ...clone(node.metadata), uid: randomUUID(), creationTimestamp: new Date().toISOString() } };
    this.nodes.set(node.metadata.name, stored);
    this.record('nodes', 'ADDED', stored);
    return clone(stored);
  }

  /** Applies a change to a node; `change` returns the new object (it may mutate and return its argument). */
  updateNode(name: string, change: (node: KubeNode) => KubeNode): KubeNode {
    const previous = this.getNode(name);
    const updated = change(clone(previous));
    updated.metadata.name = name;
    updated.metadata.uid = previous.metadata.uid;
    updated.metadata.creationTimestamp = previous.metadata.creationTimestamp;
    // A cordoned node carries the unschedulable taint, as the node lifecycle controller adds it.
    const taints = (updated.spec.taints ?? []).filter((taint) => taint.key !== 'node.kubernetes.io/unschedulable');
    if (updated.spec.unschedulable) taints.push({ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: new Date().toISOString() });
    updated.spec.taints = taints;
    if (updated.spec.taints.length === 0) delete updated.spec.taints;
    if (JSON.stringify({ ...updated, metadata: { ...updated.metadata, resourceVersion: undefined } }) ===
        JSON.stringify({ ...previous, metadata: { ...previous.metadata, resourceVersion: undefined } })) {
      return previous;
    }
    this.nodes.set(name, updated);
    this.record('nodes', 'MODIFIED', updated, previous);
    return clone(updated);
  }

  // --- pods ---

  listPods(namespace?: string): KubePod[] {
    return [...this.pods.values()].filter((pod) => namespace === undefined || pod.metadata.namespace === namespace).map(clone);
  }

  podsOnNode(nodeName: string): KubePod[] {
    return [...this.pods.values()].filter((pod) => pod.spec.nodeName === nodeName).map(clone);
  }

  getPod(namespace: string, name: string): KubePod {
    const pod = this.pods.get(podKey(namespace, name));
    if (!pod) throw new KubeApiError(kubeStatus(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' }));
    return clone(pod);
  }

  /** Creates a pod as the API server does: name from generateName, uid, creation time, phase Pending. */
  createPod(pod: KubePod, namespace = pod.metadata.namespace ?? 'default'): KubePod {
    const name = pod.metadata.name || (pod.metadata.generateName ? `${pod.metadata.generateName}${generatedSuffix()}` : '');
    if (!name) throw new KubeApiError(kubeStatus(422, 'Invalid', 'Pod is invalid: metadata.name: Required value: name or generateName is required'));
    if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0) {
      throw new KubeApiError(kubeStatus(422, 'Invalid', `Pod "${name}" is invalid: spec.containers: Required value`));
    }
    const key = podKey(namespace, name);
    if (this.pods.has(key)) throw new KubeApiError(kubeStatus(409, 'AlreadyExists', `pods "${name}" already exists`, { name, kind: 'pods' }));
    const stored: KubePod = {
      ...clone(pod),
      metadata: { ...clone(pod.metadata), name, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() },
      spec: { schedulerName: 'default-scheduler', restartPolicy: 'Always', priority: 0, ...clone(pod.spec) },
      status: pod.spec.nodeName ? clone(pod.status ?? { phase: 'Pending' }) : { phase: 'Pending', conditions: [] },
    };
    delete stored.kind;
    delete stored.apiVersion;
    this.pods.set(key, stored);
    this.record('pods', 'ADDED', stored);
    return clone(stored);
  }

  updatePod(namespace: string, name: string, change: (pod: KubePod) => KubePod): KubePod {
    const previous = this.getPod(namespace, name);
    const updated = change(clone(previous));
    updated.metadata.name = name;
    updated.metadata.namespace = namespace;
    updated.metadata.uid = previous.metadata.uid;
    this.pods.set(podKey(namespace, name), updated);
    this.record('pods', 'MODIFIED', updated, previous);
    return clone(updated);
  }

  /**
   * Deletes a pod. A pod that had not finished and belongs to a replacing controller (ReplicaSet, StatefulSet,
   * Job) is recreated as a new pending pod, as its controller would, and the replacement is returned.
   */
  deletePod(namespace: string, name: string): { deleted: KubePod; replacement?: KubePod } {
    const deleted = this.getPod(namespace, name);
    this.pods.delete(podKey(namespace, name));
    deleted.metadata.deletionTimestamp = new Date().toISOString();
    this.record('pods', 'DELETED', deleted);
    const finished = deleted.status.phase === 'Succeeded' || deleted.status.phase === 'Failed';
    const controller = (deleted.metadata.ownerReferences ?? []).find((owner) => owner.controller && REPLACING_CONTROLLERS.has(owner.kind));
    if (finished || !controller) return { deleted };
    return { deleted, replacement: this.createPod(this.replacementFor(deleted, controller.kind)) };
  }

  private replacementFor(pod: KubePod, controllerKind: string): KubePod {
    const base = pod.metadata.generateName ?? `${pod.metadata.name.replace(/-[a-z0-9]{5}$/, '')}-`;
    const { uid: _uid, resourceVersion: _rv, creationTimestamp: _created, deletionTimestamp: _deleted, ...metadata } = pod.metadata;
    const { nodeName: _node, ...spec } = pod.spec;
    return {
      metadata: controllerKind === 'StatefulSet' ? metadata : { ...metadata, name: `${base}${generatedSuffix()}`, generateName: base },
      spec: spec as KubePod['spec'],
      status: { phase: 'Pending' },
    };
  }

  // --- disruption budgets and evictions ---

  listDisruptionBudgets(namespace?: string): KubePodDisruptionBudget[] {
    return [...this.budgets.values()]
      .filter((budget) => namespace === undefined || budget.metadata.namespace === namespace)
      .map((budget) => ({ ...clone(budget), status: this.budgetStatus(budget) }));
  }

  getDisruptionBudget(namespace: string, name: string): KubePodDisruptionBudget {
    const budget = this.budgets.get(podKey(namespace, name));
    if (!budget) throw new KubeApiError(kubeStatus(404, 'NotFound', `poddisruptionbudgets.policy "${name}" not found`, { name, kind: 'poddisruptionbudgets', group: 'policy' }));
    return { ...clone(budget), status: this.budgetStatus(budget) };
  }

  createDisruptionBudget(budget: KubePodDisruptionBudget, namespace = budget.metadata.namespace ?? 'default'): KubePodDisruptionBudget {
    const key = podKey(namespace, budget.metadata.name);
    if (this.budgets.has(key)) throw new KubeApiError(kubeStatus(409, 'AlreadyExists', `poddisruptionbudgets.policy "${budget.metadata.name}" already exists`));
    if (budget.spec.minAvailable !== undefined && budget.spec.maxUnavailable !== undefined) {
      throw new KubeApiError(kubeStatus(422, 'Invalid', 'PodDisruptionBudget is invalid: spec: minAvailable and maxUnavailable cannot be both set'));
    }
    const stored: KubePodDisruptionBudget = {
      metadata: { ...clone(budget.metadata), namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() },
      spec: clone(budget.spec),
    };
    this.budgets.set(key, stored);
    this.record('poddisruptionbudgets', 'ADDED', stored);
    return this.getDisruptionBudget(namespace, budget.metadata.name);
  }

  deleteDisruptionBudget(namespace: string, name: string): KubePodDisruptionBudget {
    const budget = this.getDisruptionBudget(namespace, name);
    this.budgets.delete(podKey(namespace, name));
    this.record('poddisruptionbudgets', 'DELETED', budget);
    return budget;
  }

  /**
   * The Eviction subresource: refuses (429 TooManyRequests) when a budget covering the pod allows no more
   * disruptions, otherwise deletes the pod (its controller, if any, recreates it pending).
   */
  evictPod(namespace: string, name: string): EvictionOutcome {
    const pod = this.getPod(namespace, name);
    const budgets = [...this.budgets.values()].filter(
      (budget) => budget.metadata.namespace === namespace && matchesLabelSelector(pod.metadata.labels, budget.spec.selector),
    );
    if (budgets.length > 1) {
      return { evicted: false, status: kubeStatus(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.') };
    }
    // A pod that is not running yet (or any more) holds up no budget.
    const budget = pod.status.phase === 'Running' && budgets.length === 1 ? budgets[0] : undefined;
    if (budget) {
      const status = this.budgetStatus(budget);
      if (status.disruptionsAllowed <= 0) {
        return {
          evicted: false,
          status: kubeStatus(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
            causes: [
              {
                reason: 'DisruptionBudget',
                message: `The disruption budget ${budget.metadata.name} needs ${status.desiredHealthy} healthy pods and has ${status.currentHealthy} currently`,
              },
            ],
          }),
        };
      }
    }
    const { replacement } = this.deletePod(namespace, name);
    return { evicted: true, replacement };
  }

  private budgetStatus(budget: KubePodDisruptionBudget): NonNullable<KubePodDisruptionBudget['status']> {
    const covered = [...this.pods.values()].filter(
      (pod) => pod.metadata.namespace === budget.metadata.namespace && matchesLabelSelector(pod.metadata.labels, budget.spec.selector),
    );
    const expectedPods = covered.length;
    const currentHealthy = covered.filter((pod) => this.isHealthy(pod)).length;
    const resolve = (value: number | string): number =>
      typeof value === 'number' ? value : Math.ceil((Number.parseFloat(value) / 100) * expectedPods);
    const desiredHealthy =
      budget.spec.minAvailable !== undefined
        ? resolve(budget.spec.minAvailable)
        : budget.spec.maxUnavailable !== undefined
          ? Math.max(0, expectedPods - resolve(budget.spec.maxUnavailable))
          : 0;
    return { currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy), observedGeneration: 1 };
  }

  /** Running, Ready, and on a node that is itself Ready. */
  private isHealthy(pod: KubePod): boolean {
    const ready = pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
    const node = pod.spec.nodeName ? this.nodes.get(pod.spec.nodeName) : undefined;
    return pod.status.phase === 'Running' && ready && node !== undefined && isNodeReady(node);
  }

  private record(resource: ClusterResource, type: WatchEventType, object: ClusterObject, previous?: ClusterObject): void {
    this.version += 1;
    object.metadata.resourceVersion = String(this.version);
    const change: ClusterChange = { resource, type, object: clone(object), previous: previous && clone(previous), resourceVersion: this.version };
    this.history.push(change);
    if (this.history.length > HISTORY_LIMIT) {
      const dropped = this.history.splice(0, this.history.length - HISTORY_LIMIT);
      const lastDropped = dropped.at(-1);
      if (lastDropped) this.forgottenUpTo = lastDropped.resourceVersion;
    }
    this.emit('change', change);
  }
}
