import type { V1Node, V1Pod } from '@kubernetes/client-node';

/** What the scheduler is told as demand changes; both only ask for a decision. */
export interface DemandListener {
  /** A pod just turned Unschedulable (or was first seen so): the fast path to a decision. */
  onUnschedulable(pod: V1Pod): void;
  /** Anything else changed (pods bound or gone, nodes ready or not): worth a decision, not urgently. */
  onChange(): void;
}

/** The cluster as the demand source last saw it. */
export interface ClusterView {
  readonly pods: readonly V1Pod[];
  readonly nodes: readonly V1Node[];
}

/**
 * Pending and running pods and the orchestrator's nodes, watched while this replica decides. The Kubernetes
 * adapter watches the API (a real cluster, or the fleet simulator's in the all-in-one); without a cluster
 * (`KUBERNETES_MODE=none`) demand comes from calendars and the API only.
 */
export interface DemandSource {
  /** Starts watching; resolves once the cluster is listed, so no pod is judged against an empty fleet. */
  start(listener: DemandListener): Promise<void>;
  stop(): Promise<void>;
  /** The cluster now; undefined when there is no cluster to watch, or the source is stopped. */
  current(): ClusterView | undefined;
}

export const DEMAND_SOURCE = Symbol('DEMAND_SOURCE');
