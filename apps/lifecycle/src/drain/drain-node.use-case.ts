import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cause, DrainCompleted, SleepNode } from '@somnus/contracts';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { CLOCK, Clock } from '@somnus/runtime';
import { LIFECYCLE_CONFIG, LifecycleConfig } from '../config/lifecycle.config';
import { CLUSTER, ClusterPort } from '../kubernetes/cluster.port';
import { movablePods } from '../kubernetes/kube-facts';
import { NodeStatesRepository } from '../node-state/node-states.repository';
import { moveNode, recordDrainRefusal } from '../node-state/transition-recorder';

export interface DrainRequest {
  nodeId: string;
  thenSleep: boolean;
  reason: string;
  commandId: string;
}

class DrainAborted extends Error {
  constructor(readonly check: string, reason: string) {
    super(reason);
  }
}

/**
 * The drain itself, after the safety checks passed and the node went `draining`: cordon, evict every movable
 * pod through policy/v1 Eviction, wait (bounded) until they are gone, then `DrainCompleted` and — when asked —
 * the `sleep-node` command, in one transaction. A budget's 429, a timeout or an API failure aborts: the node
 * is uncordoned and goes back to `active`, with a `DrainRejected` saying why.
 */
@Injectable()
export class DrainNodeUseCase {
  private readonly logger = new Logger('lifecycle');

  constructor(
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(CLUSTER) private readonly cluster: ClusterPort | null,
    @Inject(LIFECYCLE_CONFIG) private readonly config: LifecycleConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async run(request: DrainRequest, cause: Cause, signal: AbortSignal): Promise<void> {
    const entity = await new NodeStatesRepository(this.store.dataSource.manager).find(request.nodeId);
    if (!entity) return;
    const kubeName = entity.node.kubernetesNodeName;
    let evicted = 0;
    try {
      if (this.cluster && kubeName) evicted = await this.emptyNode(this.cluster, kubeName, signal);
    } catch (error) {
      if (signal.aborted) return; // shutting down: the node stays draining and cordoned, visible as such
      const aborted = error instanceof DrainAborted ? error : new DrainAborted('drain-failed', `drain of ${entity.name} failed: ${error instanceof Error ? error.message : String(error)}`);
      await this.abort(request, cause, aborted, kubeName);
      return;
    }
    await this.store.transact(async (tx) => {
      const node = await new NodeStatesRepository(tx.manager).find(request.nodeId, true);
      // Something else moved the node meanwhile (an operator's hold, a sleep failure): do not ask for sleep.
      if (!node || node.state !== 'draining') return;
      await tx.emit(DrainCompleted, { nodeId: node.id, evicted }, { cause: { ...cause, causationId: request.commandId }, subject: node.id });
      if (request.thenSleep) {
        await tx.emit(SleepNode, { nodeId: node.id, reason: `drained (${evicted} pod(s) evicted): ${request.reason}` }, { cause: { ...cause, causationId: request.commandId }, subject: node.id });
      }
    });
  }

  /** Cordon, evict, wait until gone; the count of pods evicted. */
  private async emptyNode(cluster: ClusterPort, name: string, signal: AbortSignal): Promise<number> {
    await cluster.setUnschedulable(name, true);
    let evicted = 0;
    for (const pod of movablePods(await cluster.podsOnNode(name))) {
      if (signal.aborted) throw new Error('shutting down');
      const result = await cluster.evict(pod.namespace, pod.name);
      if (result.outcome === 'blocked') throw new DrainAborted('disruption-budget', result.reason);
      if (result.outcome === 'evicted') evicted += 1;
    }
    const deadline = Date.now() + this.config.drainTimeoutMs;
    for (;;) {
      const left = movablePods(await cluster.podsOnNode(name));
      if (left.length === 0) return evicted;
      if (Date.now() >= deadline) {
        throw new DrainAborted('drain-timeout', `${left.length} pod(s) still on ${name} after ${Math.round(this.config.drainTimeoutMs / 1000)} s: ${left.slice(0, 5).map((p) => `${p.namespace}/${p.name}`).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, this.config.pollIntervalMs));
      if (signal.aborted) throw new Error('shutting down');
    }
  }

  private async abort(request: DrainRequest, cause: Cause, aborted: DrainAborted, kubeName: string | undefined): Promise<void> {
    if (this.cluster && kubeName) {
      await this.cluster.setUnschedulable(kubeName, false).catch((error) => this.logger.error(`could not uncordon ${kubeName} after an aborted drain: ${String(error)}`));
    }
    await this.store.transact(async (tx) => {
      const node = await new NodeStatesRepository(tx.manager).find(request.nodeId, true);
      if (!node) return;
      const at = new Date(this.clock.now());
      await recordDrainRefusal(tx, node, { check: aborted.check, reason: aborted.message }, { cause, at });
      if (node.state === 'draining') await moveNode(tx, node, 'active', { cause, reason: `drain aborted, node uncordoned: ${aborted.message}`, at });
    });
  }
}
