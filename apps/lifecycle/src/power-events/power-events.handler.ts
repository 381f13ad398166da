import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import {
  Cause,
  causedBy,
  Envelope,
  LifecycleState,
  MessageDefinition,
  NodeSleeping,
  NodeSleepFailed,
  NodeSlept,
  NodeWakeFailed,
  NodeWaking,
  NodeWoke,
  Payload,
  PowerActionRefused,
  PowerState,
} from '@somnus/contracts';
import { wakeOverdue } from '@somnus/domain';
import { Delivery, durableName, OnMessage } from '@somnus/bus';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { BackgroundTasks } from '../background-tasks';
import { CLOCK, Clock } from '@somnus/runtime';
import { LIFECYCLE_CONFIG, LifecycleConfig } from '../config/lifecycle.config';
import { CLUSTER, ClusterPort } from '../kubernetes/cluster.port';
import { systemCause } from '../node-state/system-cause';
import { SqlNodeStatesRepository } from '../node-state/node-states.repository';
import { moveNode, MoveResult } from '../node-state/transition-recorder';

type PowerEvent = { nodeId: string; driver?: string; attempt?: number; detail?: string; reason?: string };

/** What each power event means for the lifecycle: the state asked for and the power state observed. */
export const POWER_EVENT_EFFECTS = {
  waking: { to: 'waking', power: 'waking' },
  woke: { to: 'ready', power: 'on' },
  'wake-failed': { to: 'unhealthy', power: 'unknown' },
  sleeping: { to: null, power: 'suspending' },
  slept: { to: 'sleeping', power: 'off' },
  'sleep-failed': { to: 'active', power: 'on' },
} as const satisfies Record<string, { to: LifecycleState | null; power: PowerState }>;

/**
 * Follows the power service: waking -> ready on a verified wake, then (after the Kubernetes node is Ready and
 * uncordoned) active; wake failures -> unhealthy; a confirmed sleep -> sleeping; a failed sleep -> back to
 * active, uncordoned. A timer turns a node left `waking` too long into `unhealthy` (power may have died).
 */
@Injectable()
export class PowerEventsHandler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('lifecycle');
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(CLUSTER) private readonly cluster: ClusterPort | null,
    @Inject(LIFECYCLE_CONFIG) private readonly config: LifecycleConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly tasks: BackgroundTasks,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.failOverdueWakes(), this.config.wakeCheckIntervalMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  @OnMessage(NodeWaking)
  async nodeWaking({ envelope }: Delivery<Payload<typeof NodeWaking>>): Promise<void> {
    await this.follow(NodeWaking, envelope, 'waking', `wake sent by ${envelope.data.driver} (attempt ${envelope.data.attempt ?? 1})`);
  }

  @OnMessage(NodeWoke)
  async nodeWoke({ envelope }: Delivery<Payload<typeof NodeWoke>>): Promise<void> {
    const { verifiedBy, seconds } = envelope.data;
    const moved = await this.follow(NodeWoke, envelope, 'woke', `wake verified by ${verifiedBy.join(', ') || envelope.data.driver} after ${Math.round(seconds)} s`);
    if (moved?.ok) this.tasks.run('uncordon after wake', () => this.uncordonWhenReady(envelope.data.nodeId, causedBy(envelope)));
  }

  @OnMessage(NodeWakeFailed)
  async nodeWakeFailed({ envelope }: Delivery<Payload<typeof NodeWakeFailed>>): Promise<void> {
    await this.follow(NodeWakeFailed, envelope, 'wake-failed', `wake failed: ${envelope.data.reason}`);
  }

  @OnMessage(NodeSleeping)
  async nodeSleeping({ envelope }: Delivery<Payload<typeof NodeSleeping>>): Promise<void> {
    await this.follow(NodeSleeping, envelope, 'sleeping', 'suspend sent');
  }

  @OnMessage(NodeSlept)
  async nodeSlept({ envelope }: Delivery<Payload<typeof NodeSlept>>): Promise<void> {
    await this.follow(NodeSlept, envelope, 'slept', `asleep (confirmed by ${envelope.data.driver})`);
  }

  @OnMessage(NodeSleepFailed)
  async nodeSleepFailed({ envelope }: Delivery<Payload<typeof NodeSleepFailed>>): Promise<void> {
    const moved = await this.follow(NodeSleepFailed, envelope, 'sleep-failed', `sleep failed, node back in service: ${envelope.data.reason}`);
    const node = await this.kubeName(envelope.data.nodeId);
    if (moved?.ok && this.cluster && node) await this.cluster.setUnschedulable(node, false);
  }

  /**
   * Power refused to put a drained node to sleep (host key changed, rate limit, node busy, ...): the node
   * must not stay cordoned and `draining` for ever, so it goes back into service like a failed sleep.
   */
  @OnMessage(PowerActionRefused)
  async powerActionRefused({ envelope }: Delivery<Payload<typeof PowerActionRefused>>): Promise<void> {
    const { nodeId, action, reason } = envelope.data;
    if (action === 'wake') return;
    const entity = await new SqlNodeStatesRepository(this.store.dataSource.manager).find(nodeId);
    if (entity?.state !== 'draining') return;
    const moved = await this.follow(PowerActionRefused, envelope, 'sleep-failed', `${action} refused by power, node back in service: ${reason}`);
    const node = await this.kubeName(nodeId);
    if (moved?.ok && this.cluster && node) await this.cluster.setUnschedulable(node, false);
  }

  private async follow(definition: MessageDefinition, envelope: Envelope<PowerEvent>, effect: keyof typeof POWER_EVENT_EFFECTS, reason: string): Promise<MoveResult | undefined> {
    const { to, power } = POWER_EVENT_EFFECTS[effect];
    const outcome = await this.store.transact(
      async (tx): Promise<MoveResult | undefined> => {
        const repository = new SqlNodeStatesRepository(tx.manager);
        const entity = await repository.find(envelope.data.nodeId, tx);
        if (!entity) return undefined;
        // A retry attempt or a redelivery asks for the state the node is in: nothing to move.
        if (to === null || entity.state === to) {
          entity.powerState = power;
          await repository.save(tx, entity);
          return undefined;
        }
        const moved = await moveNode(tx, entity, to, { cause: causedBy(envelope), reason, at: new Date(this.clock.now()), powerState: power });
        if (!moved.ok) {
          // The power state is a fact whatever the lifecycle table says.
          entity.powerState = power;
          await repository.save(tx, entity);
        }
        return moved;
      },
      { consumer: durableName('lifecycle', definition), messageId: envelope.id },
    );
    return outcome.duplicate ? undefined : outcome.result;
  }

  private async kubeName(nodeId: string): Promise<string | undefined> {
    return (await new SqlNodeStatesRepository(this.store.dataSource.manager).find(nodeId))?.node.kubernetesNodeName;
  }

  /** After a verified wake: wait for the Kubernetes node to be Ready, uncordon it, then `active`. */
  async uncordonWhenReady(nodeId: string, cause: Cause): Promise<void> {
    const name = await this.kubeName(nodeId);
    let reason = 'woke; no Kubernetes node to wait for';
    if (this.cluster && name) {
      const deadline = Date.now() + this.config.readyTimeoutMs;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = (await this.cluster.observeNode(name).catch(() => null))?.ready === 'True';
        if (!ready && !(await this.tasks.sleep(this.config.pollIntervalMs))) return;
      }
      if (!ready) {
        await this.move(nodeId, 'unhealthy', cause, `Kubernetes node ${name} not Ready within ${Math.round(this.config.readyTimeoutMs / 1000)} s after the wake`, ['ready']);
        return;
      }
      await this.cluster.setUnschedulable(name, false);
      reason = `Kubernetes node ${name} Ready; uncordoned`;
    }
    await this.move(nodeId, 'active', cause, reason, ['ready']);
  }

  /** Moves a node if it is still in one of `from` (something else may have moved it meanwhile). */
  private async move(nodeId: string, to: LifecycleState, cause: Cause, reason: string, from: LifecycleState[]): Promise<void> {
    await this.store.transact(async (tx) => {
      const entity = await new SqlNodeStatesRepository(tx.manager).find(nodeId, tx);
      if (entity && from.includes(entity.state)) await moveNode(tx, entity, to, { cause, reason, at: new Date(this.clock.now()) });
    });
  }

  /** The safety net of DESIGN.md: a wake always ends, so a node is never left `waking`. */
  async failOverdueWakes(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const now = new Date(this.clock.now());
      const waking = (await new SqlNodeStatesRepository(this.store.dataSource.manager).list()).filter((n) => n.state === 'waking');
      for (const node of waking) {
        if (!wakeOverdue({ state: node.state, since: node.since, history: [] }, now, this.config.wakeTimeoutMs)) continue;
        const minutes = Math.round(this.config.wakeTimeoutMs / 6_000) / 10;
        await this.move(node.id, 'unhealthy', systemCause(), `wake not verified within ${minutes} min (lifecycle safety net)`, ['waking']);
      }
    } catch (error) {
      this.logger.warn(`wake safety net: ${String(error)}`);
    } finally {
      this.checking = false;
    }
  }
}
