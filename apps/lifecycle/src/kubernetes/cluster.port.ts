import type { PdbFacts, Resources } from '@somnus/domain';
import type { NodeObservation, PodOnNode } from './kube-facts';

export type EvictionResult = { outcome: 'evicted' | 'gone' } | { outcome: 'blocked'; reason: string };

/**
 * The orchestrator as lifecycle needs it: observe nodes and pods, cordon and uncordon, evict. Kubernetes is
 * the one adapter today; an OpenStack migration adapter would be another.
 */
export interface ClusterPort {
  /** The node as the orchestrator reports it, or null when it has no such node. */
  observeNode(name: string): Promise<NodeObservation | null>;
  podsOnNode(name: string): Promise<PodOnNode[]>;
  /** Requests of every pod that is running or waiting to run, anywhere. */
  demand(): Promise<Resources>;
  disruptionBudgets(): Promise<PdbFacts[]>;
  setUnschedulable(name: string, unschedulable: boolean): Promise<void>;
  evict(namespace: string, name: string): Promise<EvictionResult>;
}

export const CLUSTER = Symbol('CLUSTER');
