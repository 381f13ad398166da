import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  Cause,
  causedBy,
  CommandOutcome,
  createEnvelope,
  Envelope,
  GetNodeState,
  ListNodes,
  ListNodeStates,
  Node,
  NodeRemoved,
  NodeState,
  NodeTransitioned,
  NodeUpserted,
  Payload,
  ReplyOf,
  SetMaintenance,
} from '@somnus/contracts';
import { isAutomation } from '@somnus/domain';
import { AnswerQuery, Delivery, durableName, MESSAGE_BUS, MessageBus, OnMessage } from '@somnus/bus';
import type { ServiceStore, Transactions } from '@somnus/persistence';
import { CLOCK, Clock, SERVICE_STORE } from '@somnus/runtime';
import { LIFECYCLE_CONFIG, LifecycleConfig } from '../config/lifecycle.config';
import { CLUSTER, ClusterPort } from '../kubernetes/cluster.port';
import { movablePods } from '../kubernetes/kube-facts';
import { NodeStateEntity } from '../persistence/node-state.entity';
import { decideInitialState, FirstObservation } from './initial-state';
import { NODE_STATES, type NodeStatesRepository, toNodeState, toTransitionRecord } from './node-states.repository';
import { systemCause } from './system-cause';
import { REACHABILITY, type Reachability } from './tcp-reachability';
import { TransitionRecorder } from './transition-recorder';

export { LIFECYCLE_ACTOR, systemCause } from './system-cause';

/**
 * The node projection (from inventory's events, seeded with ListNodes at start), each node's first state,
 * the operator's maintenance hold, and the state queries.
 */
@Injectable()
export class NodeStatesHandler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('lifecycle');
  /** One first-sighting at a time per node, so the seed and an event never race to insert it. */
  private readonly sightings = new Map<string, Promise<void>>();
  private stopped = false;
  private seeding: Promise<void> | undefined;

  constructor(
    @Inject(NODE_STATES) private readonly nodes: NodeStatesRepository,
    @Inject(TransitionRecorder) private readonly transitions: Pick<TransitionRecorder, 'move'>,
    /** Its transactions, and the `source` of the catalogue query it sends. */
    @Inject(SERVICE_STORE) private readonly store: Transactions & Pick<ServiceStore, 'source'>,
    @Inject(MESSAGE_BUS) private readonly bus: Pick<MessageBus, 'request'>,
    @Inject(CLUSTER) private readonly cluster: ClusterPort | null,
    @Inject(REACHABILITY) private readonly reachability: Reachability,
    @Inject(LIFECYCLE_CONFIG) private readonly config: Pick<LifecycleConfig, 'sshTimeoutMs'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    // In the background: inventory may be starting in this very process and not answering yet.
    this.seeding = this.seedFromCatalogue().catch((error) => this.logger.warn(`seeding from the catalogue failed: ${String(error)}`));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.seeding;
  }

  @OnMessage(NodeUpserted)
  async nodeUpserted({ envelope }: Delivery<Payload<typeof NodeUpserted>>): Promise<void> {
    await this.catalogued(envelope.data.node, causedBy(envelope));
  }

  @OnMessage(NodeRemoved)
  async nodeRemoved({ envelope }: Delivery<Payload<typeof NodeRemoved>>): Promise<void> {
    // The history stays, for the audit of what happened to a retired machine.
    await this.nodes.remove(envelope.data.nodeId);
  }

  @AnswerQuery(GetNodeState)
  async getNodeState({ data }: Envelope<Payload<typeof GetNodeState>>): Promise<ReplyOf<typeof GetNodeState>> {
    const entity = await this.nodes.find(data.nodeId);
    const history = data.historyLimit > 0 ? await this.nodes.recentHistory(data.nodeId, data.historyLimit) : [];
    return {
      state: entity ? toNodeState(entity, await this.nodes.lastTransition(entity.id)) : null,
      history: history.map(toTransitionRecord),
    };
  }

  @AnswerQuery(ListNodeStates)
  async listNodeStates(): Promise<ReplyOf<typeof ListNodeStates>> {
    const [nodes, last] = await Promise.all([this.nodes.list(), this.nodes.lastTransitions()]);
    return { items: nodes.map((node) => toNodeState(node, last.get(node.id))) };
  }

  @OnMessage(SetMaintenance)
  async setMaintenance({ envelope }: Delivery<Payload<typeof SetMaintenance>>): Promise<CommandOutcome<NodeState>> {
    const { nodeId, maintenance, reason } = envelope.data;
    const outcome = await this.store.transact(
      async (tx): Promise<CommandOutcome<NodeState>> => {
        const entity = await this.nodes.find(nodeId, tx);
        if (!entity) return { ok: false, code: 'not-found', reason: `lifecycle knows no node with id ${nodeId}` };
        const moved = await this.transitions.move(tx, entity, maintenance ? 'maintenance' : 'ready', { cause: causedBy(envelope), reason, at: new Date(this.clock.now()) });
        if (!moved.ok) return { ok: false, code: isAutomation(envelope.actor) ? 'refused' : 'conflict', reason: moved.reason };
        return { ok: true, result: toNodeState(entity, await this.nodes.lastTransition(entity.id, tx)) };
      },
      { consumer: durableName('lifecycle', SetMaintenance), messageId: envelope.id },
    );
    if (!outcome.duplicate) return outcome.result;
    const entity = await this.nodes.find(nodeId);
    return entity ? { ok: true, result: toNodeState(entity, await this.nodes.lastTransition(nodeId)) } : { ok: false, code: 'not-found', reason: `no node with id ${nodeId}` };
  }

  /**
   * A node in the catalogue: refresh the projection, or (first sighting) decide its state from observation.
   * At start (`reconcile`), a known node is observed again too: the machines may have changed while this
   * service was down.
   */
  catalogued(node: Node, cause: Cause, reconcile = false): Promise<void> {
    const previous = this.sightings.get(node.id) ?? Promise.resolve();
    const next = previous.then(() => this.project(node, cause, reconcile));
    const settled = next.catch(() => undefined);
    this.sightings.set(node.id, settled);
    void settled.then(() => {
      if (this.sightings.get(node.id) === settled) this.sightings.delete(node.id);
    });
    return next;
  }

  private async project(node: Node, cause: Cause, reconcile: boolean): Promise<void> {
    const known = await this.nodes.find(node.id);
    if (known) {
      if (JSON.stringify(known.node) !== JSON.stringify(node) || known.name !== node.name) {
        await this.store.transact(async (tx) => {
          const entity = await this.nodes.find(node.id, tx);
          if (!entity) return;
          entity.node = node;
          entity.name = node.name;
          await this.nodes.save(tx, entity);
        });
      }
      if (reconcile) await this.reconcile(node, cause);
      return;
    }
    const initial = decideInitialState(await this.observe(node));
    const at = new Date(this.clock.now());
    await this.store.transact(async (tx) => {
      if (await this.nodes.find(node.id, tx)) return;
      const entity = Object.assign(new NodeStateEntity(), {
        id: node.id,
        name: node.name,
        node,
        state: initial.state,
        powerState: initial.powerState,
        since: at,
        createdAt: at,
        wokeAt: null,
      });
      await this.nodes.save(tx, entity);
      await this.nodes.record(tx, { nodeId: node.id, kind: 'transition', from: null, to: initial.state, cause: 'first-seen', reason: initial.reason, actor: cause.actor, correlationId: cause.correlationId, at });
      await tx.emit(NodeTransitioned, { nodeId: node.id, from: null, to: initial.state, reason: initial.reason }, { cause, subject: node.id });
    });
  }

  /**
   * What was believed and what is seen disagree after a restart: a node believed asleep that answers is
   * `ready` again; a node believed awake that is found powered off is `unhealthy` (something outside Somnus
   * turned it off; waking it brings it back). Nodes in maintenance or in the middle of an action are left to
   * their own timeouts.
   */
  private async reconcile(node: Node, cause: Cause): Promise<void> {
    const seen = decideInitialState(await this.observe(node));
    const at = new Date(this.clock.now());
    await this.store.transact(async (tx) => {
      const entity = await this.nodes.find(node.id, tx);
      if (!entity) return;
      const believedAsleep = entity.state === 'sleeping' || entity.state === 'unhealthy';
      const believedAwake = entity.state === 'ready' || entity.state === 'active' || entity.state === 'idle';
      const seenAwake = seen.state === 'ready' || seen.state === 'active';
      if (believedAsleep && seenAwake) {
        await this.transitions.move(tx, entity, 'ready', { cause, reason: `found awake at start (was ${entity.state}): ${seen.reason}`, at, powerState: 'on' });
      } else if (believedAwake && seen.state === 'sleeping') {
        await this.transitions.move(tx, entity, 'unhealthy', { cause, reason: `found powered off at start (was ${entity.state}): ${seen.reason}; wake it to bring it back`, at, powerState: 'off' });
      }
    });
  }

  private async observe(node: Node): Promise<FirstObservation> {
    const seen: FirstObservation = {};
    if (this.cluster && node.kubernetesNodeName) {
      try {
        seen.kubernetes = await this.cluster.observeNode(node.kubernetesNodeName);
        if (seen.kubernetes?.ready === 'True') seen.movablePods = movablePods(await this.cluster.podsOnNode(node.kubernetesNodeName)).length;
      } catch (error) {
        this.logger.warn(`Kubernetes did not answer about ${node.name}; falling back to SSH reachability: ${String(error)}`);
        seen.kubernetes = undefined;
      }
    }
    if (!seen.kubernetes && node.ssh) seen.sshReachable = await this.reachability.reachable(node.ssh.host, node.ssh.port, Math.min(this.config.sshTimeoutMs, 3_000));
    return seen;
  }

  private async seedFromCatalogue(): Promise<void> {
    const cause = systemCause();
    for (let attempt = 1; attempt <= 10 && !this.stopped; attempt += 1) {
      try {
        let offset = 0;
        for (let page = 0; page < 100 && !this.stopped; page += 1) {
          const envelope = createEnvelope(ListNodes.type, { limit: 1000, offset }, { source: this.store.source, cause, time: new Date(this.clock.now()) });
          const reply = await this.bus.request(ListNodes, envelope, 5_000);
          for (const node of reply.items) {
            if (this.stopped) return;
            await this.catalogued(node, cause, true).catch((error) => this.logger.warn(`could not project node ${node.name}: ${String(error)}`));
          }
          offset += reply.items.length;
          if (reply.items.length === 0 || offset >= reply.total) return;
        }
        return;
      } catch (error) {
        if (attempt === 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
}
