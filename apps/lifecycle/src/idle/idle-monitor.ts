import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { LifecycleState, NodeIdle } from '@somnus/contracts';
import { becameIdle, IdleState, NOT_IDLE, observeActivity } from '@somnus/domain';
import type { Transactions } from '@somnus/persistence';
import { CLOCK, Clock, SERVICE_STORE } from '@somnus/runtime';
import { ACTIVITY_READER, ActivityReader, NodeActivity } from '../activity/ssh-activity.reader';
import { LIFECYCLE_CONFIG, LifecycleConfig } from '../config/lifecycle.config';
import { CLUSTER, ClusterPort } from '../kubernetes/cluster.port';
import { movablePods } from '../kubernetes/kube-facts';
import { NODE_STATES, type NodeStatesRepository } from '../node-state/node-states.repository';
import { systemCause } from '../node-state/system-cause';
import { TransitionRecorder } from '../node-state/transition-recorder';
import { NodeStateEntity } from '../persistence/node-state.entity';
import { activitySample, CounterReading } from './activity-sample';

const WATCHED: readonly LifecycleState[] = ['ready', 'active', 'idle'];

/**
 * Idle detection: every sample interval, each ready/active/idle node is read (movable pods from Kubernetes;
 * load, network and sessions over SSH) and folded into the domain's idle detector. Quiet for the grace
 * period -> `idle` and `NodeIdle`; activity back on an idle node -> `active`; work placed on a ready node ->
 * `active`. The detector's state is in memory: after a restart, quiet is counted anew (the safe direction).
 */
@Injectable()
export class IdleMonitor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('lifecycle');
  private readonly idle = new Map<string, IdleState>();
  private readonly counters = new Map<string, CounterReading>();
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(
    @Inject(NODE_STATES) private readonly nodes: Pick<NodeStatesRepository, 'find' | 'list'>,
    @Inject(TransitionRecorder) private readonly transitions: Pick<TransitionRecorder, 'move'>,
    @Inject(SERVICE_STORE) private readonly transactions: Transactions,
    @Inject(CLUSTER) private readonly cluster: ClusterPort | null,
    @Inject(ACTIVITY_READER) private readonly activity: ActivityReader,
    @Inject(LIFECYCLE_CONFIG) private readonly config: Pick<LifecycleConfig, 'idleDetection' | 'sampleIntervalMs' | 'idle'>,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.idleDetection) return;
    this.timer = setInterval(() => void this.sampleAll(), this.config.sampleIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    for (let waited = 0; this.sampling && waited < 50; waited += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  }

  /** One round over the fleet; a round still running makes the next tick skip. */
  async sampleAll(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const nodes = await this.nodes.list();
      const watched = new Set(nodes.filter((n) => WATCHED.includes(n.state)).map((n) => n.id));
      // A node that left service (drained, asleep) starts counting anew when it comes back.
      for (const id of [...this.idle.keys()]) if (!watched.has(id)) this.idle.delete(id);
      for (const id of [...this.counters.keys()]) if (!watched.has(id)) this.counters.delete(id);
      for (const node of nodes) {
        if (!watched.has(node.id)) continue;
        await this.sampleNode(node).catch((error) => this.logger.warn(`idle sample of ${node.name} skipped: ${error instanceof Error ? error.message : String(error)}`));
      }
    } finally {
      this.sampling = false;
    }
  }

  private async sampleNode(node: NodeStateEntity): Promise<void> {
    const kubeName = node.node.kubernetesNodeName;
    const useKube = Boolean(this.cluster && kubeName);
    if (!useKube && !node.node.ssh) return; // nothing to observe: never judge a node idle blind
    const movable = useKube ? movablePods(await this.cluster!.podsOnNode(kubeName!)).length : 0;
    let activity: NodeActivity | undefined;
    if (node.node.ssh) activity = await this.activity.read(node.node);
    const { sample, reading } = activitySample({ at: new Date(this.clock.now()), movableWorkloads: movable, cores: node.node.capacity.cpu, activity, previous: this.counters.get(node.id) });
    if (reading) this.counters.set(node.id, reading);
    if (!sample) return;

    const before = this.idle.get(node.id) ?? NOT_IDLE;
    const after = observeActivity(before, sample, this.config.idle);
    this.idle.set(node.id, after);

    if (node.state === 'ready' && movable > 0 && !becameIdle(before, after)) {
      await this.move(node.id, 'ready', 'active', `${movable} movable pod(s) placed on the node`);
    } else if (becameIdle(before, after) && (node.state === 'ready' || node.state === 'active')) {
      await this.markIdle(node.id, node.state, after, sample);
    } else if (node.state === 'idle' && after.idleSince === null) {
      const busy = after.lastActivity;
      const why = busy ? `${busy.signal} ${round(busy.value)} above ${busy.threshold}` : 'activity came back';
      await this.move(node.id, 'idle', 'active', `activity resumed: ${why}`);
    }
  }

  private async markIdle(nodeId: string, from: LifecycleState, state: IdleState, sample: { movableWorkloads: number; cpuLoadPerCore: number; networkBytesPerSecond: number; sshSessions: number }): Promise<void> {
    const cause = systemCause();
    const minutes = Math.round(this.config.idle.idleGracePeriodMs / 6_000) / 10;
    await this.transactions.transact(async (tx) => {
      const entity = await this.nodes.find(nodeId, tx);
      if (!entity || entity.state !== from) return;
      const moved = await this.transitions.move(tx, entity, 'idle', { cause, reason: `no movable work and low activity for ${minutes} min`, at: new Date(this.clock.now()) });
      if (!moved.ok) return;
      const activity = {
        movableWorkloads: sample.movableWorkloads,
        cpuLoadPerCore: round(sample.cpuLoadPerCore),
        networkBytesPerSecond: round(sample.networkBytesPerSecond),
        sshSessions: sample.sshSessions,
      };
      await tx.emit(NodeIdle, { nodeId, idleSince: state.idleSince!.toISOString(), activity }, { cause, subject: nodeId });
    });
  }

  private async move(nodeId: string, from: LifecycleState, to: LifecycleState, reason: string): Promise<void> {
    await this.transactions.transact(async (tx) => {
      const entity = await this.nodes.find(nodeId, tx);
      if (entity && entity.state === from) await this.transitions.move(tx, entity, to, { cause: systemCause(), reason, at: new Date(this.clock.now()) });
    });
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
