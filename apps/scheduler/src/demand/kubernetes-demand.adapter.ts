import { Logger } from '@nestjs/common';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ClusterView, DemandListener, DemandSource } from './demand-source.port';
import { KubernetesWatch } from './kubernetes-watch.adapter';

/** Demand from the Kubernetes API: a fresh pair of ListWatches each time this replica starts deciding. */
export class KubernetesDemandSource implements DemandSource {
  private readonly logger = new Logger('scheduler');
  private watch?: KubernetesWatch;

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly backoff: { backoffMs: number; backoffMaxMs: number },
  ) {}

  async start(listener: DemandListener): Promise<void> {
    const watch = new KubernetesWatch(this.kubeConfig, {
      ...this.backoff,
      onUnschedulable: (pod) => listener.onUnschedulable(pod),
      onChange: () => listener.onChange(),
      log: (message) => this.logger.warn(message),
    });
    this.watch = watch;
    await watch.start();
    // Stopped while the lists were being read: the watches started after that stop, so stop them again.
    if (this.watch !== watch) await watch.stop();
  }

  async stop(): Promise<void> {
    const watch = this.watch;
    this.watch = undefined;
    await watch?.stop();
  }

  current(): ClusterView | undefined {
    const watch = this.watch;
    return watch ? { pods: watch.podList(), nodes: watch.nodeList() } : undefined;
  }
}

/** No orchestrator to watch (`KUBERNETES_MODE=none`): says so each time the replica starts deciding. */
export class NoClusterDemandSource implements DemandSource {
  private readonly logger = new Logger('scheduler');

  async start(): Promise<void> {
    this.logger.log('no Kubernetes API (KUBERNETES_MODE=none): demand comes from calendars and the API only');
  }

  async stop(): Promise<void> {}

  current(): undefined {
    return undefined;
  }
}
