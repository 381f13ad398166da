import { Logger } from '@nestjs/common';
import type { V1Pod } from '@kubernetes/client-node';
import { type Calendar, Cause, DecisionMade, DrainNode, newMessageId, WakeNode } from '@somnus/contracts';
import type { CalendarWindow, Decision, NodeSnapshot, PendingWorkload, PolicyInput, PowerPolicy, RunningWorkload } from '@somnus/policy';
import type { Transactions, Tx } from '@somnus/persistence';
import type { Clock } from '@somnus/runtime';
import { nextStartOfAny, toPolicyWindow } from '../calendars/calendar-window';
import type { SchedulerConfig } from '../config/scheduler.config';
import type { DemandSource } from '../demand/demand-source.port';
import { allocationByNode, isUnschedulable, kubeNodeReady, occupiesNode, isNodeBound, pendingWorkloadOf, podKey, podRequests } from '../demand/pod-demand';
import { buildFleetSnapshot, inFlightSettled, kubeNameOf, type InFlight, type KubeNodeView, type ProjectedNode } from '../fleet/fleet-snapshot';
import type { LeaseFence } from '../leadership/lease-fence.port';
import type { RecordedDecision } from './decision.repository';

export const POLICY_ACTOR = 'policy:somnus';

/** What asked for a decision; a message's cause flows on to the decisions it leads to. */
export interface DecisionTrigger {
  why: 'pod-unschedulable' | 'node-idle' | 'fleet-changed' | 'calendar' | 'tick' | 'elected' | 'recheck';
  cause?: { correlationId: string; causationId?: string };
}

/** One decision as carried out: recorded, published, and (unless dry-run) turned into a command. */
export interface AppliedDecision extends Decision {
  id: string;
  nodeName: string | null;
  dryRun: boolean;
  command?: 'wake-node' | 'drain-node';
}

/** What the loop needs, each behind the narrowest port that does. */
export interface DecisionLoopDeps {
  readonly policy: Pick<PowerPolicy, 'name' | 'decide'>;
  readonly demand: DemandSource;
  readonly fleet: { list(): Promise<ProjectedNode[]> };
  readonly calendars: { list(): Promise<Calendar[]> };
  readonly decisions: { insert(tx: Tx, decision: RecordedDecision): Promise<void> };
  readonly fence: LeaseFence;
  readonly transactions: Transactions;
  readonly clock: Clock;
  readonly config: Pick<SchedulerConfig, 'tickMs' | 'wakeInFlightMs' | 'sleepInFlightMs' | 'sleepRetryMs' | 'wakeRetryMs'>;
  /** SOMNUS_DRY_RUN: decisions are recorded and published, but no command is sent. */
  readonly dryRun: boolean;
}

/**
 * The leader's loop: gathers the fleet (its projections plus the Kubernetes API), pending pods and calendar
 * windows into the policy's input, asks the Somnus policy, and carries the answer out. Runs are serial and
 * coalesced: a trigger during a run causes exactly one more run right after it. Only the leader runs it.
 */
export class DecisionLoop {
  private readonly logger = new Logger('scheduler');
  private readonly inFlight = new Map<string, InFlight>();
  /** Last decision recorded per node, so a standing "hold" is recorded once, not every tick. */
  private readonly lastRecorded = new Map<string, string>();
  private running?: Promise<void>;
  private pending: DecisionTrigger[] = [];
  private active = false;
  private holder = '';
  private tickTimer?: NodeJS.Timeout;
  private wakeUpTimer?: NodeJS.Timeout;
  private readonly listeners: ((decisions: AppliedDecision[]) => void)[] = [];

  private readonly policy: DecisionLoopDeps['policy'];
  private readonly config: DecisionLoopDeps['config'];
  private readonly clock: Clock;

  constructor(private readonly deps: DecisionLoopDeps) {
    this.policy = deps.policy;
    this.config = deps.config;
    this.clock = deps.clock;
  }

  /** Called when decisions were carried out (tests, the demo's live log). */
  onDecisions(listener: (decisions: AppliedDecision[]) => void): void {
    this.listeners.push(listener);
  }

  /** Becomes the active decider: watches demand, ticks, and decides at once. */
  async start(holder: string): Promise<void> {
    this.holder = holder;
    this.active = true;
    this.inFlight.clear();
    this.lastRecorded.clear();
    await this.deps.demand.start({
      onUnschedulable: (pod) => this.requestDecision({ why: 'pod-unschedulable' }, pod),
      onChange: () => this.requestDecision({ why: 'fleet-changed' }),
    });
    if (!this.active) {
      await this.deps.demand.stop();
      return;
    }
    this.tickTimer = setInterval(() => this.requestDecision({ why: 'tick' }), this.config.tickMs);
    this.tickTimer.unref();
    this.requestDecision({ why: 'elected' });
  }

  /** Stops deciding (lost the lease or shutting down); waits for a run under way. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.wakeUpTimer) clearTimeout(this.wakeUpTimer);
    this.tickTimer = this.wakeUpTimer = undefined;
    await this.deps.demand.stop();
    await this.running?.catch(() => undefined);
    this.pending = [];
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Resolves once no decision is under way or asked for (tests wait on it instead of on time). */
  async settled(): Promise<void> {
    for (let round = 0; round < 100 && this.running; round++) await this.running;
  }

  /** Asks for a decision now (or right after the one under way). Ignored unless this replica leads. */
  requestDecision(trigger: DecisionTrigger, pod?: V1Pod): void {
    if (!this.active) return;
    if (pod) this.logger.debug(`pod ${pod.metadata?.namespace}/${pod.metadata?.name} is Unschedulable: deciding`);
    this.pending.push(trigger);
    if (this.running) return;
    this.running = (async () => {
      try {
        while (this.pending.length > 0 && this.active) {
          const batch = this.pending;
          this.pending = [];
          await this.decideOnce(batch).catch((error: unknown) => this.logger.error(`decision failed: ${error instanceof Error ? error.message : String(error)}`));
        }
      } finally {
        this.running = undefined;
      }
    })();
  }

  /** The policy's input as the leader sees it now (exposed for tests and diagnostics). */
  async buildInput(): Promise<{ input: PolicyInput; projected: ProjectedNode[] }> {
    const now = this.clock.now();
    const [projected, calendars] = await Promise.all([this.deps.fleet.list(), this.deps.calendars.list()]);
    const byId = new Map(projected.map((p) => [p.node.id, p]));
    for (const [nodeId, flight] of this.inFlight) {
      const timeout = flight.action === 'wake' ? this.config.wakeInFlightMs : this.config.sleepInFlightMs;
      if (inFlightSettled(flight, byId.get(nodeId), now, timeout)) this.inFlight.delete(nodeId);
    }

    let kubeNodes: Map<string, KubeNodeView> | undefined;
    let allocations: ReturnType<typeof allocationByNode> | undefined;
    const pending: PendingWorkload[] = [];
    const running: RunningWorkload[] = [];
    const cluster = this.deps.demand.current();
    if (cluster) {
      kubeNodes = new Map(cluster.nodes.map((n) => [n.metadata?.name ?? '', { ready: kubeNodeReady(n), cordoned: n.spec?.unschedulable === true }]));
      const pods = cluster.pods;
      allocations = allocationByNode(pods);
      const idByKubeName = new Map(projected.map((p) => [kubeNameOf(p.node), p.node.id]));
      for (const pod of pods) {
        // A DaemonSet pod waiting for its own node is not work that needs room.
        if (isUnschedulable(pod)) {
          if (!isNodeBound(pod)) pending.push(pendingWorkloadOf(pod, now));
        }
        else if (occupiesNode(pod) && !isNodeBound(pod)) {
          const nodeId = idByKubeName.get(pod.spec!.nodeName!);
          if (!nodeId) continue;
          const submittedAt = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : now;
          const startedAt = pod.status?.startTime ? new Date(pod.status.startTime).getTime() : submittedAt;
          running.push({ id: podKey(pod), nodeIds: [nodeId], requests: podRequests(pod), submittedAt, startedAt });
        }
      }
      pending.sort((a, b) => a.submittedAt - b.submittedAt);
    }
    const fleet = buildFleetSnapshot({ nodes: projected, kubeNodes, allocations, inFlight: this.inFlight });
    const windows = calendars.map(toPolicyWindow).filter((w): w is CalendarWindow => w !== undefined);
    return { input: { now, fleet, demand: { pending, running }, calendar: windows }, projected };
  }

  private async decideOnce(triggers: DecisionTrigger[]): Promise<void> {
    const { input, projected } = await this.buildInput();
    const outcome = this.policy.decide(input);
    const now = input.now;
    const byId = new Map<string, NodeSnapshot>(input.fleet.map((n) => [n.id, n]));
    const refusedRecently = new Set(
      projected.filter((p) => p.sleepRefusedAt !== undefined && now - p.sleepRefusedAt < this.config.sleepRetryMs).map((p) => p.node.id),
    );
    const wakeRefusedRecently = new Set(
      projected.filter((p) => p.wakeRefusedAt !== undefined && now - p.wakeRefusedAt < this.config.wakeRetryMs).map((p) => p.node.id),
    );
    const toApply = outcome.decisions.filter((d) => {
      // Power refused the last wake moments ago (its refusal is on record): ask again a little later.
      if (d.action === 'wake') return !this.inFlight.has(d.nodeId) && !wakeRefusedRecently.has(d.nodeId);
      // Lifecycle refused to drain it lately: its refusal is on record; ask again after the retry period.
      if (d.action === 'sleep') return !this.inFlight.has(d.nodeId) && !refusedRecently.has(d.nodeId);
      return this.lastRecorded.get(d.nodeId) !== `hold|${d.code}`;
    });
    this.scheduleWakeUp(input.calendar ?? [], now, outcome.recheckAt);
    if (toApply.length === 0) return;

    const messageCause = triggers.find((t) => t.cause)?.cause;
    const dryRun = this.deps.dryRun;
    const at = new Date(now);
    const applied: AppliedDecision[] = [];
    const result = await this.deps.transactions.transact(async (tx) => {
      // Fencing: a replica that lost its lease while paused must not act, whatever it still believes.
      if (!(await this.deps.fence.holds(tx, this.holder))) return false;
      for (const d of toApply) {
        const node = byId.get(d.nodeId);
        const cause: Cause = { actor: POLICY_ACTOR, correlationId: messageCause?.correlationId ?? newMessageId(), causationId: messageCause?.causationId };
        const event = await tx.emit(
          DecisionMade,
          { action: d.action, nodeId: d.nodeId, reason: d.reason, code: d.code, policy: this.policy.name, dryRun },
          { cause, subject: d.nodeId },
        );
        await this.deps.decisions.insert(tx, {
          id: event.id,
          at,
          action: d.action,
          nodeId: d.nodeId,
          nodeName: node?.name ?? null,
          reason: d.reason,
          code: d.code,
          policy: this.policy.name,
          dryRun,
          correlationId: cause.correlationId,
        });
        const commandCause: Cause = { ...cause, causationId: event.id };
        let command: AppliedDecision['command'];
        if (!dryRun && d.action === 'wake') {
          await tx.emit(WakeNode, { nodeId: d.nodeId, reason: d.reason }, { cause: commandCause, subject: d.nodeId });
          command = 'wake-node';
        } else if (!dryRun && d.action === 'sleep') {
          await tx.emit(DrainNode, { nodeId: d.nodeId, reason: d.reason, thenSleep: true }, { cause: commandCause, subject: d.nodeId });
          command = 'drain-node';
        }
        applied.push({ ...d, id: event.id, nodeName: node?.name ?? null, dryRun, command });
      }
      return true;
    });
    if (result.duplicate || !result.result) {
      this.logger.warn(`${this.holder} no longer holds the lease: ${toApply.length} decision(s) dropped`);
      return;
    }
    for (const d of applied) {
      this.lastRecorded.set(d.nodeId, `${d.action}|${d.code}`);
      if (d.action !== 'hold') this.inFlight.set(d.nodeId, { action: d.action, at: now });
      this.logger.log(`decision: ${d.action} ${d.nodeName ?? d.nodeId}${d.dryRun ? ' (dry run)' : ''} [${d.code}] ${d.reason} (after ${triggers.map((t) => t.why).join(', ')})`);
    }
    for (const listener of this.listeners) listener(applied);
  }

  /** Wakes the loop at the next calendar window start or the policy's recheck time, if before the tick. */
  private scheduleWakeUp(windows: readonly CalendarWindow[], now: number, recheckAt: number | undefined): void {
    if (!this.active) return;
    if (this.wakeUpTimer) clearTimeout(this.wakeUpTimer);
    const candidates = [nextStartOfAny(windows, now), recheckAt].filter((t): t is number => t !== undefined && t > now);
    if (candidates.length === 0) return;
    const at = Math.min(...candidates);
    const delay = at - now;
    if (delay >= this.config.tickMs) return;
    const why: DecisionTrigger['why'] = at === nextStartOfAny(windows, now) ? 'calendar' : 'recheck';
    this.wakeUpTimer = setTimeout(() => this.requestDecision({ why }), delay);
    this.wakeUpTimer.unref();
  }

  /** Calendars changed: recompute when the next window opens. */
  calendarsChanged(): void {
    this.requestDecision({ why: 'calendar' });
  }
}
