import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, PolicyV1Api, setHeaderOptions } from '@kubernetes/client-node';
import type { PdbFacts, Resources } from '@somnus/domain';
import type { ClusterPort, EvictionResult } from './cluster.port';
import { NodeObservation, observeNode, pdbFacts, podFacts, PodOnNode, podRequests } from './kube-facts';

function status(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function apiMessage(error: unknown): string {
  if (error instanceof ApiException) {
    try {
      const body = JSON.parse(String(error.body)) as { message?: string };
      if (body.message) return body.message;
    } catch {
      // not a Status object: fall through to the code
    }
    return `HTTP ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The Kubernetes API through @kubernetes/client-node: cordon by merge patch, evict through policy/v1. */
export class KubernetesClusterAdapter implements ClusterPort {
  private readonly core: CoreV1Api;
  private readonly policy: PolicyV1Api;

  constructor(kubeConfig: KubeConfig) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.policy = kubeConfig.makeApiClient(PolicyV1Api);
  }

  async observeNode(name: string): Promise<NodeObservation | null> {
    try {
      return observeNode(await this.core.readNode({ name }));
    } catch (error) {
      if (status(error) === 404) return null;
      throw error;
    }
  }

  async podsOnNode(name: string): Promise<PodOnNode[]> {
    const list = await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
    return list.items.map(podFacts);
  }

  async demand(): Promise<Resources> {
    const list = await this.core.listPodForAllNamespaces();
    return list.items
      .filter((pod) => pod.status?.phase === 'Running' || pod.status?.phase === 'Pending')
      .map(podRequests)
      .reduce((sum, r) => ({ cpu: sum.cpu + r.cpu, memoryMiB: sum.memoryMiB + r.memoryMiB }), { cpu: 0, memoryMiB: 0 });
  }

  async disruptionBudgets(): Promise<PdbFacts[]> {
    const list = await this.policy.listPodDisruptionBudgetForAllNamespaces();
    return list.items.map(pdbFacts);
  }

  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    await this.core.patchNode({ name, body: { spec: { unschedulable } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
  }

  async evict(namespace: string, name: string): Promise<EvictionResult> {
    try {
      await this.core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } });
      return { outcome: 'evicted' };
    } catch (error) {
      if (status(error) === 404) return { outcome: 'gone' };
      if (status(error) === 429) return { outcome: 'blocked', reason: `eviction of ${namespace}/${name} refused: ${apiMessage(error)}` };
      throw new Error(`eviction of ${namespace}/${name} failed: ${apiMessage(error)}`);
    }
  }
}
