import { Inject, Injectable } from '@nestjs/common';
import { causedBy, CommandOutcome, DrainNode, Payload } from '@somnus/contracts';
import { checkSleepSafety, PdbFacts, Refusal, Resources } from '@somnus/domain';
import { Delivery, durableName, OnMessage } from '@somnus/bus';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { BackgroundTasks } from '../background-tasks';
import { CLOCK, Clock } from '@somnus/runtime';
import { LIFECYCLE_CONFIG, LifecycleConfig } from '../config/lifecycle.config';
import { CLUSTER, ClusterPort } from '../kubernetes/cluster.port';
import { PodOnNode } from '../kubernetes/kube-facts';
import { NodeStatesRepository } from '../node-state/node-states.repository';
import { moveNode, recordDrainRefusal } from '../node-state/transition-recorder';
import { DrainNodeUseCase } from './drain-node.use-case';
import { fleetCapacity } from './fleet-capacity';

type DrainOutcome = CommandOutcome<{ nodeId: string; accepted: boolean }>;

/**
 * `drain-node`: every safety check first (each refusal a DrainRejected event and a line in the node's
 * history, and a `refused` outcome so the API answers 409); otherwise the node goes `draining`, the command
 * is answered at once and the drain itself (cordon, evict, wait, ask for sleep) continues in the background.
 */
@Injectable()
export class DrainNodeHandler {
  constructor(
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(CLUSTER) private readonly cluster: ClusterPort | null,
    @Inject(LIFECYCLE_CONFIG) private readonly config: LifecycleConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
    private readonly drain: DrainNodeUseCase,
  ) {}

  @OnMessage(DrainNode)
  async drainNode({ envelope }: Delivery<Payload<typeof DrainNode>>): Promise<DrainOutcome> {
    const { nodeId, reason, thenSleep } = envelope.data;
    const cause = causedBy(envelope);
    const known = await new NodeStatesRepository(this.store.dataSource.manager).find(nodeId);
    if (!known) return { ok: false, code: 'not-found', reason: `lifecycle knows no node with id ${nodeId}` };

    const kubeName = known.node.kubernetesNodeName;
    let pods: PodOnNode[] = [];
    let pdbs: PdbFacts[] = [];
    let demand: Resources = { cpu: 0, memoryMiB: 0 };
    if (this.cluster && kubeName) {
      try {
        [pods, pdbs, demand] = await Promise.all([this.cluster.podsOnNode(kubeName), this.cluster.disruptionBudgets(), this.cluster.demand()]);
      } catch (error) {
        return { ok: false, code: 'unavailable', reason: `cannot check ${known.name} against Kubernetes: ${error instanceof Error ? error.message : String(error)}; try again` };
      }
    }

    const outcome = await this.store.transact(
      async (tx): Promise<DrainOutcome> => {
        const repository = new NodeStatesRepository(tx.manager);
        const entity = await repository.find(nodeId, true);
        if (!entity) return { ok: false, code: 'not-found', reason: `lifecycle knows no node with id ${nodeId}` };
        const at = new Date(this.clock.now());
        const verdict = checkSleepSafety({
          node: { name: entity.name, tier: entity.node.tier, state: entity.state, awakeSince: entity.wokeAt ?? entity.createdAt, capacity: entity.node.capacity },
          pods,
          pdbs,
          fleet: fleetCapacity(await repository.list(), entity.id, demand),
          settings: this.config.safety,
          at,
          actor: envelope.actor,
        });
        if (!verdict.allowed) {
          for (const refusal of verdict.refusals) await recordDrainRefusal(tx, entity, refusal, { cause, at });
          return { ok: false, code: 'refused', reason: describeRefusals(entity.name, verdict.refusals) };
        }
        const moved = await moveNode(tx, entity, 'draining', { cause, reason, at });
        if (!moved.ok) return { ok: false, code: 'conflict', reason: moved.reason };
        return { ok: true, result: { nodeId, accepted: true } };
      },
      { consumer: durableName('lifecycle', DrainNode), messageId: envelope.id },
    );
    if (outcome.duplicate) {
      // Already handled: the node's state tells whether that drain went ahead.
      const now = await new NodeStatesRepository(this.store.dataSource.manager).find(nodeId);
      const went = now?.state === 'draining' || now?.state === 'sleeping';
      return went ? { ok: true, result: { nodeId, accepted: true } } : { ok: false, code: 'conflict', reason: `this drain was already handled; ${known.name} is ${now?.state ?? 'gone'}` };
    }
    if (outcome.result.ok) {
      this.tasks.run(`drain of ${known.name}`, (signal) => this.drain.run({ nodeId, thenSleep, reason, commandId: envelope.id }, cause, signal));
    }
    return outcome.result;
  }
}

export function describeRefusals(nodeName: string, refusals: readonly Refusal[]): string {
  return `drain of ${nodeName} refused: ${refusals.map((r) => `${r.check}: ${r.reason}`).join('; ')}`;
}
