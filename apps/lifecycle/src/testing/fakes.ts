// In-memory stand-ins for lifecycle's ports, for unit tests: the same interfaces, no database, no cluster.
import type { LifecycleState, Node } from '@somnus/contracts';
import type { PdbFacts, Resources } from '@somnus/domain';
import type { Tx } from '@somnus/persistence';
import type { ActivityReader, NodeActivity } from '../activity/ssh-activity.reader';
import type { BackgroundTasks } from '../background-tasks';
import type { ClusterPort, EvictionResult } from '../kubernetes/cluster.port';
import type { NodeObservation, PodOnNode } from '../kubernetes/kube-facts';
import type { HistoryEntry, NodeStatesRepository } from '../node-state/node-states.repository';
import type { Reachability } from '../node-state/tcp-reachability';
import type { NodeHistoryEntity } from '../persistence/node-history.entity';
import { NodeStateEntity } from '../persistence/node-state.entity';

/** A node-state row: awake for a day, unless `init` says otherwise. */
export function nodeState(node: Node, state: LifecycleState, init: Partial<Omit<NodeStateEntity, 'id' | 'node' | 'name' | 'state'>> = {}): NodeStateEntity {
  const dayAgo = new Date(Date.parse('2025-03-02T08:00:00Z'));
  return Object.assign(new NodeStateEntity(), { id: node.id, name: node.name, node, state, powerState: 'on', since: dayAgo, createdAt: dayAgo, wokeAt: null, ...init });
}

/** The two tables in memory. Rows are copied in and out, so only `save` changes what is stored, as in SQL. */
export class FakeNodeStates implements NodeStatesRepository {
  readonly rows = new Map<string, NodeStateEntity>();
  readonly history: NodeHistoryEntity[] = [];

  constructor(rows: NodeStateEntity[] = []) {
    for (const row of rows) this.rows.set(row.id, copy(row));
  }

  async find(nodeId: string): Promise<NodeStateEntity | null> {
    const row = this.rows.get(nodeId);
    return row ? copy(row) : null;
  }

  async list(): Promise<NodeStateEntity[]> {
    return [...this.rows.values()].sort((a, b) => a.name.localeCompare(b.name)).map(copy);
  }

  async save(_tx: Tx, entity: NodeStateEntity): Promise<void> {
    this.rows.set(entity.id, copy(entity));
  }

  async remove(nodeId: string): Promise<void> {
    this.rows.delete(nodeId);
  }

  async record(_tx: Tx, entry: HistoryEntry): Promise<void> {
    this.history.push({ ...entry, id: String(this.history.length + 1) });
  }

  async recentHistory(nodeId: string, limit: number): Promise<NodeHistoryEntity[]> {
    return this.history.filter((h) => h.nodeId === nodeId).reverse().slice(0, limit);
  }

  async lastTransition(nodeId: string): Promise<NodeHistoryEntity | null> {
    return this.history.filter((h) => h.nodeId === nodeId && h.kind === 'transition').at(-1) ?? null;
  }

  async lastTransitions(): Promise<Map<string, NodeHistoryEntity>> {
    const last = new Map<string, NodeHistoryEntity>();
    for (const h of this.history) if (h.kind === 'transition') last.set(h.nodeId, h);
    return last;
  }

  /** The current state of a node, for assertions. */
  stateOf(nodeId: string): LifecycleState | undefined {
    return this.rows.get(nodeId)?.state;
  }
}

function copy(row: NodeStateEntity): NodeStateEntity {
  return Object.assign(new NodeStateEntity(), { ...row, node: structuredClone(row.node) });
}

export function pod(name: string, init: Partial<PodOnNode> = {}): PodOnNode {
  return { name, namespace: 'apps', labels: {}, annotations: {}, ownerKinds: ['ReplicaSet'], volumes: [], phase: 'Running', requests: { cpu: 1, memoryMiB: 512 }, ...init };
}

/**
 * An orchestrator in memory. An evicted pod leaves its node at once unless `stuck`; `evictions` sets the
 * answer for a pod by name (an Error is thrown, as the API adapter throws on a failure).
 */
export class FakeCluster implements ClusterPort {
  readonly pods = new Map<string, PodOnNode[]>();
  readonly nodes = new Map<string, NodeObservation>();
  readonly unschedulable = new Map<string, boolean>();
  readonly evictions = new Map<string, EvictionResult | Error>();
  readonly evicted: string[] = [];
  pdbs: PdbFacts[] = [];
  demandNow: Resources = { cpu: 0, memoryMiB: 0 };
  stuck = false;
  unreachable = false;

  async observeNode(name: string): Promise<NodeObservation | null> {
    this.failIfUnreachable();
    return this.nodes.get(name) ?? null;
  }

  async podsOnNode(name: string): Promise<PodOnNode[]> {
    this.failIfUnreachable();
    return [...(this.pods.get(name) ?? [])];
  }

  async demand(): Promise<Resources> {
    this.failIfUnreachable();
    return this.demandNow;
  }

  async disruptionBudgets(): Promise<PdbFacts[]> {
    this.failIfUnreachable();
    return this.pdbs;
  }

  async setUnschedulable(name: string, unschedulable: boolean): Promise<void> {
    this.unschedulable.set(name, unschedulable);
  }

  async evict(namespace: string, name: string): Promise<EvictionResult> {
    const answer = this.evictions.get(name) ?? { outcome: 'evicted' };
    if (answer instanceof Error) throw answer;
    if (answer.outcome === 'evicted') {
      this.evicted.push(`${namespace}/${name}`);
      if (!this.stuck) for (const [node, pods] of this.pods) this.pods.set(node, pods.filter((p) => !(p.name === name && p.namespace === namespace)));
    }
    return answer;
  }

  private failIfUnreachable(): void {
    if (this.unreachable) throw new Error('connect ECONNREFUSED 127.0.0.1:6443');
  }
}

/** Activity the test sets per node name; a node with none set fails to read, as an unreachable SSH would. */
export class FakeActivityReader implements ActivityReader {
  readonly activity = new Map<string, NodeActivity>();

  async read(node: Node): Promise<NodeActivity> {
    const found = this.activity.get(node.name);
    if (!found) throw new Error(`ssh to ${node.name} failed: connection refused`);
    return found;
  }
}

export class FakeReachability implements Reachability {
  readonly answering = new Set<string>();

  async reachable(host: string, port: number): Promise<boolean> {
    return this.answering.has(`${host}:${port}`);
  }
}

/** Background work run as it is handed over; `settled()` waits for all of it. */
export class FakeBackgroundTasks implements Pick<BackgroundTasks, 'run'> {
  private readonly running: Promise<void>[] = [];
  readonly names: string[] = [];
  readonly failures: unknown[] = [];
  private readonly abort = new AbortController();

  run(name: string, work: (signal: AbortSignal) => Promise<void>): void {
    this.names.push(name);
    this.running.push(work(this.abort.signal).catch((error: unknown) => void this.failures.push(error)));
  }

  async settled(): Promise<void> {
    await Promise.all(this.running);
  }
}
