import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cause, CommandOutcome, DrainCompleted, SleepNode } from '@somnus/contracts';
import { checkSleepSafety, PdbFacts, Refusal, Resources } from '@somnus/domain';
import type { InboxEntry, Transactions } from '@somnus/persistence';
import { CLOCK, Clock, SERVICE_STORE } from '@somnus/runtime';
import { BackgroundTasks } from '../background-tasks';
import { LIFECYCLE_CONFIG, LifecycleConfig } from '../config/lifecycle.config';
import { CLUSTER, ClusterPort } from '../kubernetes/cluster.port';
import { movablePods, PodOnNode } from '../kubernetes/kube-facts';
import { NODE_STATES, type NodeStatesRepository } from '../node-state/node-states.repository';
import { TransitionRecorder } from '../node-state/transition-recorder';
import { fleetCapacity } from './fleet-capacity';

/** A `drain-node` command as the use case needs it. */
export interface DrainCommand {
  nodeId: string;
  thenSleep: boolean;
  reason: string;
  commandId: string;
  /** Who asked: the safety checks treat an operator and automation differently. */
  actor: string;
}

export interface DrainRequest {
  nodeId: string;
  thenSleep: boolean;
  reason: string;
  commandId: string;
}

export type DrainOutcome = CommandOutcome<{ nodeId: string; accepted: boolean }>;

class DrainAborted extends Error {
  constructor(
    readonly check: string,
    reason: string,
  ) {
    super(reason);
  }
}

/**
 * `drain-node`: every safety check first (each refusal a DrainRejected event and a line in the node's
 * history, and a `refused` outcome so the API answers 409); otherwise the node goes `draining`, the command
 * is answered at once and the drain itself continues in the background: cordon, evict every movable pod
 * through policy/v1 Eviction, wait (bounded) until they are gone, then `DrainCompleted` and — when asked —
 * the `sleep-node` command, in one transaction. A budget's 429, a timeout or an API failure aborts: the node
 * is uncordoned and goes back to `active`, with a `DrainRejected` saying why.
 */
@Injectable()
export class DrainNodeUseCase {
  private readonly logger = new Logger('lifecycle');

  constructor(
    @Inject(NODE_STATES) private readonly nodes: Pick<NodeStatesRepository, 'find' | 'list'>,
    @Inject(TransitionRecorder) private readonly transitions: Pick<TransitionRecorder, 'move' | 'refuseDrain'>,
    @Inject(SERVICE_STORE) private readonly transactions: Transactions,
    @Inject(CLUSTER) private readonly cluster: ClusterPort | null,
    @Inject(BackgroundTasks) private readonly tasks: Pick<BackgroundTasks, 'run'>,
    @Inject(LIFECYCLE_CONFIG) private readonly config: Pick<LifecycleConfig, 'safety' | 'drainTimeoutMs' | 'pollIntervalMs'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Checks and admits a drain; `inbox` makes a redelivered command answer as the first one did. */
  async execute(command: DrainCommand, cause: Cause, inbox: InboxEntry): Promise<DrainOutcome> {
    const { nodeId, reason, thenSleep, actor } = command;
    const known = await this.nodes.find(nodeId);
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

    const outcome = await this.transactions.transact(async (tx): Promise<DrainOutcome> => {
      const entity = await this.nodes.find(nodeId, tx);
      if (!entity) return { ok: false, code: 'not-found', reason: `lifecycle knows no node with id ${nodeId}` };
      const at = new Date(this.clock.now());
      const verdict = checkSleepSafety({
        node: { name: entity.name, tier: entity.node.tier, state: entity.state, awakeSince: entity.wokeAt ?? entity.createdAt, capacity: entity.node.capacity },
        pods,
        pdbs,
        fleet: fleetCapacity(await this.nodes.list(tx), entity.id, demand),
        settings: this.config.safety,
        at,
        actor,
      });
      if (!verdict.allowed) {
        for (const refusal of verdict.refusals) await this.transitions.refuseDrain(tx, entity, refusal, { cause, at });
        return { ok: false, code: 'refused', reason: describeRefusals(entity.name, verdict.refusals) };
      }
      const moved = await this.transitions.move(tx, entity, 'draining', { cause, reason, at });
      if (!moved.ok) return { ok: false, code: 'conflict', reason: moved.reason };
      return { ok: true, result: { nodeId, accepted: true } };
    }, inbox);
    if (outcome.duplicate) {
      // Already handled: the node's state tells whether that drain went ahead.
      const now = await this.nodes.find(nodeId);
      const went = now?.state === 'draining' || now?.state === 'sleeping';
      return went ? { ok: true, result: { nodeId, accepted: true } } : { ok: false, code: 'conflict', reason: `this drain was already handled; ${known.name} is ${now?.state ?? 'gone'}` };
    }
    if (outcome.result.ok) {
      this.tasks.run(`drain of ${known.name}`, (signal) => this.run({ nodeId, thenSleep, reason, commandId: command.commandId }, cause, signal));
    }
    return outcome.result;
  }

  /** The drain of a node already `draining`: empty it, then say so (and ask for sleep), or abort. */
  async run(request: DrainRequest, cause: Cause, signal: AbortSignal): Promise<void> {
    const entity = await this.nodes.find(request.nodeId);
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
    await this.transactions.transact(async (tx) => {
      const node = await this.nodes.find(request.nodeId, tx);
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
    const deadline = this.clock.now() + this.config.drainTimeoutMs;
    for (;;) {
      const left = movablePods(await cluster.podsOnNode(name));
      if (left.length === 0) return evicted;
      if (this.clock.now() >= deadline) {
        throw new DrainAborted('drain-timeout', `${left.length} pod(s) still on ${name} after ${Math.round(this.config.drainTimeoutMs / 1000)} s: ${left.slice(0, 5).map((p) => `${p.namespace}/${p.name}`).join(', ')}`);
      }
      await this.clock.sleep(this.config.pollIntervalMs);
      if (signal.aborted) throw new Error('shutting down');
    }
  }

  private async abort(request: DrainRequest, cause: Cause, aborted: DrainAborted, kubeName: string | undefined): Promise<void> {
    if (this.cluster && kubeName) {
      await this.cluster.setUnschedulable(kubeName, false).catch((error) => this.logger.error(`could not uncordon ${kubeName} after an aborted drain: ${String(error)}`));
    }
    await this.transactions.transact(async (tx) => {
      const node = await this.nodes.find(request.nodeId, tx);
      if (!node) return;
      const at = new Date(this.clock.now());
      await this.transitions.refuseDrain(tx, node, { check: aborted.check, reason: aborted.message }, { cause, at });
      if (node.state === 'draining') await this.transitions.move(tx, node, 'active', { cause, reason: `drain aborted, node uncordoned: ${aborted.message}`, at });
    });
  }
}

export function describeRefusals(nodeName: string, refusals: readonly Refusal[]): string {
  return `drain of ${nodeName} refused: ${refusals.map((r) => `${r.check}: ${r.reason}`).join('; ')}`;
}
