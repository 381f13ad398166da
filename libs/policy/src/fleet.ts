import { at, type Tier } from '@somnus/contracts';
import { BATSIM_PROFILE, type PowerProfile } from '@somnus/domain';
import type { Decision, NodeSnapshot, PendingWorkload, ReasonCode, Resources, Toleration } from './policy.port';

/** Shared arithmetic over a fleet snapshot: free room, placement rules, packing pending work. */

export const NO_RESOURCES: Resources = { cpu: 0, memoryMiB: 0, gpu: 0 };

export function profileOf(node: NodeSnapshot): PowerProfile {
  return node.powerProfile ?? BATSIM_PROFILE;
}

export function freeOf(node: NodeSnapshot): Resources {
  return {
    cpu: node.capacity.cpu - node.allocated.cpu,
    memoryMiB: node.capacity.memoryMiB - node.allocated.memoryMiB,
    gpu: node.capacity.gpu - node.allocated.gpu,
  };
}

/** Share of the node's allocatable the running work requests: the largest of cpu, memory and gpu. */
export function requestedShare(node: NodeSnapshot): number {
  const { capacity: c, allocated: a } = node;
  const gpu = c.gpu > 0 ? a.gpu / c.gpu : 0;
  return Math.max(c.cpu > 0 ? a.cpu / c.cpu : 0, c.memoryMiB > 0 ? a.memoryMiB / c.memoryMiB : 0, gpu);
}

/** Nodes that can take or will soon take work: awake, or already booting. */
export function isUp(node: NodeSnapshot): boolean {
  return node.power === 'awake' || node.power === 'booting';
}

export function isWakeable(node: NodeSnapshot): boolean {
  return !node.maintenance && (node.power === 'asleep' || node.power === 'suspending');
}

/** Why a node may never be put to sleep by any policy, whatever it thinks of demand. */
export function sleepForbidden(node: NodeSnapshot): { code: ReasonCode; reason: string } | undefined {
  if (node.maintenance) return { code: 'maintenance', reason: `${node.name} is in maintenance: automation never touches it` };
  if (node.tier === 'critical') return { code: 'critical-tier', reason: `${node.name} is in the critical tier: never put to sleep` };
  if (node.doNotSleep) return { code: 'do-not-sleep', reason: `${node.name} carries the do-not-sleep annotation` };
  return undefined;
}

/** Awake, empty and allowed to sleep. */
export function isSleepable(node: NodeSnapshot): boolean {
  return node.power === 'awake' && node.workloads === 0 && sleepForbidden(node) === undefined;
}

const TIER_SLEEP_ORDER: Record<Tier, number> = { dev: 0, staging: 1, prod: 2, critical: 3 };

/** Order in which idle nodes go to sleep: dev, then staging, then prod; hungrier machines first. */
export function compareForSleep(a: NodeSnapshot, b: NodeSnapshot): number {
  return (
    TIER_SLEEP_ORDER[a.tier] - TIER_SLEEP_ORDER[b.tier] ||
    profileOf(b).idleWatts - profileOf(a).idleWatts ||
    (a.idleSince ?? 0) - (b.idleSince ?? 0) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Order in which sleeping nodes are woken: the reverse tier order (the last to sleep wakes first), frugal first. */
export function compareForWake(a: NodeSnapshot, b: NodeSnapshot): number {
  return (
    TIER_SLEEP_ORDER[b.tier] - TIER_SLEEP_ORDER[a.tier] ||
    profileOf(a).idleWatts - profileOf(b).idleWatts ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function tolerates(tolerations: readonly Toleration[] | undefined, taint: NodeSnapshot['taints'][number]): boolean {
  if (!tolerations) return false;
  return tolerations.some(
    (t) =>
      (t.effect === undefined || t.effect === taint.effect) &&
      (t.operator === 'Exists' ? t.key === undefined || t.key === taint.key : t.key === taint.key && (t.value ?? '') === (taint.value ?? '')),
  );
}

/** Node selector and taints, as Kubernetes applies them (PreferNoSchedule does not forbid). */
export function mayRunOn(workload: PendingWorkload, node: NodeSnapshot): boolean {
  if (workload.nodeSelector) {
    for (const [key, value] of Object.entries(workload.nodeSelector)) if (node.labels[key] !== value) return false;
  }
  for (const taint of node.taints) {
    if (taint.effect !== 'PreferNoSchedule' && !tolerates(workload.tolerations, taint)) return false;
  }
  return true;
}

export interface PackingResult {
  /** Sleeping nodes to wake so that the pending work fits, in wake order. */
  readonly wake: NodeSnapshot[];
  /** Pending workloads that fit nowhere, not even with every wakeable node awake. */
  readonly unplaceable: PendingWorkload[];
  /** Pending workloads that fit on nodes already up (awake or booting). */
  readonly fitsOnUpNodes: PendingWorkload[];
  /** Pending workloads that fit only on nodes still booting or once sleeping nodes are woken: they wait for a boot. */
  readonly waitForBoot: PendingWorkload[];
}

const shapeKeys = new WeakMap<PendingWorkload, string>();

/** Workloads of one shape (requests, selector, tolerations) pack alike; the key is cached per workload object. */
function shapeKey(w: PendingWorkload): string {
  const cached = shapeKeys.get(w);
  if (cached !== undefined) return cached;
  const key = computeShapeKey(w);
  shapeKeys.set(w, key);
  return key;
}

function computeShapeKey(w: PendingWorkload): string {
  const r = w.requests;
  const sel = w.nodeSelector ? JSON.stringify(w.nodeSelector) : '';
  const tol = w.tolerations ? JSON.stringify(w.tolerations) : '';
  return `${r.cpu}|${r.memoryMiB}|${r.gpu}|${sel}|${tol}`;
}

/** A node's room left during one packing pass. */
interface Room {
  readonly node: NodeSnapshot;
  /** Position in wake order: nodes up first, then sleeping nodes cheapest first. */
  readonly index: number;
  readonly sleeping: boolean;
  cpu: number;
  mem: number;
  gpu: number;
  /** Chosen to wake in this pass. */
  opened: boolean;
}

/**
 * First-fit packing of pending work onto nodes already up, then onto sleeping nodes in wake order: the
 * fewest, cheapest nodes that make the work fit. Replicas of one workload may share a node. Work of the same
 * shape resumes its scan where the last replica went (room only shrinks), so a decision over 10,000 pods
 * and 1,000 nodes costs O(shapes x nodes + pods).
 */
export function packPending(
  fleet: readonly NodeSnapshot[],
  pending: readonly PendingWorkload[],
  options: { limit?: number; usable?: (node: NodeSnapshot) => boolean } = {},
): PackingResult {
  const usable = options.usable ?? (() => true);
  const up = fleet.filter((n) => isUp(n) && !n.maintenance && usable(n));
  const sleeping = fleet.filter((n) => isWakeable(n) && usable(n)).sort(compareForWake);
  const rooms: Room[] = [...up, ...sleeping].map((node, index) => ({
    node,
    index,
    sleeping: index >= up.length,
    cpu: node.capacity.cpu - node.allocated.cpu,
    mem: node.capacity.memoryMiB - node.allocated.memoryMiB,
    gpu: node.capacity.gpu - node.allocated.gpu,
    opened: false,
  }));
  const wake: NodeSnapshot[] = [];
  const unplaceable: PendingWorkload[] = [];
  const fitsOnUpNodes: PendingWorkload[] = [];
  const waitForBoot: PendingWorkload[] = [];
  const cursor = new Map<string, number>();
  const eligible = new Map<string, Uint8Array>();
  const byPriorityThenAge = (a: PendingWorkload, b: PendingWorkload): number => (b.priority ?? 0) - (a.priority ?? 0) || a.submittedAt - b.submittedAt;
  let sorted = true;
  let previous: PendingWorkload | undefined;
  for (const w of pending) {
    if (previous !== undefined && byPriorityThenAge(previous, w) > 0) {
      sorted = false;
      break;
    }
    previous = w;
  }
  const ordered = sorted ? pending : [...pending].sort(byPriorityThenAge);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const EPS = 1e-9;

  for (const w of ordered) {
    const key = shapeKey(w);
    let allowed = eligible.get(key);
    if (!allowed) {
      allowed = new Uint8Array(rooms.length);
      const selector = w.nodeSelector ? Object.entries(w.nodeSelector) : [];
      for (const { node, index } of rooms) {
        let ok = true;
        for (const [label, value] of selector) if (node.labels[label] !== value) ok = false;
        allowed[index] = ok && (node.taints.length === 0 || mayRunOn({ ...w, nodeSelector: undefined }, node)) ? 1 : 0;
      }
      eligible.set(key, allowed);
    }
    const r = w.requests;
    let replicas = w.replicas ?? 1;
    let i = cursor.get(key) ?? 0;
    // Tentative placement so a workload that cannot fit whole does not hold room (gang semantics for jobs).
    const taken: Array<[Room, number]> = [];
    let usedSleeping = false;
    let usedBooting = false;
    while (replicas > 0) {
      const room = rooms[i];
      if (room === undefined) break;
      if (allowed[i] === 1 && room.cpu + EPS >= r.cpu && room.mem + EPS >= r.memoryMiB && room.gpu + EPS >= r.gpu) {
        const byCpu = r.cpu > 0 ? Math.floor((room.cpu + EPS) / r.cpu) : replicas;
        const byMem = r.memoryMiB > 0 ? Math.floor((room.mem + EPS) / r.memoryMiB) : replicas;
        const byGpu = r.gpu > 0 ? Math.floor((room.gpu + EPS) / r.gpu) : replicas;
        const n = Math.min(replicas, byCpu, byMem, byGpu);
        room.cpu -= n * r.cpu;
        room.mem -= n * r.memoryMiB;
        room.gpu -= n * r.gpu;
        taken.push([room, n]);
        replicas -= n;
        if (room.sleeping) usedSleeping = true;
        else if (room.node.power === 'booting') usedBooting = true;
        if (replicas > 0) i++;
      } else i++;
    }
    if (replicas > 0) {
      for (const [room, n] of taken) {
        room.cpu += n * r.cpu;
        room.mem += n * r.memoryMiB;
        room.gpu += n * r.gpu;
      }
      unplaceable.push(w);
      continue;
    }
    cursor.set(key, taken[0]?.[0].index ?? i);
    if (!usedSleeping) fitsOnUpNodes.push(w);
    if (usedSleeping || usedBooting) waitForBoot.push(w);
    for (const [room] of taken) {
      if (room.sleeping && !room.opened) {
        room.opened = true;
        wake.push(room.node);
      }
    }
    if (wake.length >= limit) break;
  }
  return { wake: wake.slice(0, limit), unplaceable, fitsOnUpNodes, waitForBoot };
}

/**
 * Whether a workload could run if the work now on the fleet were gone: enough replicas fit on the full
 * capacity of the nodes it may run on (maintenance excluded). Work that is unplaceable now but passes this
 * is blocked by running work, not by its shape, and will claim the room that running work leaves.
 * Returns a checker that remembers, per workload shape, how many replicas an empty fleet holds.
 */
export function fitsOnEmptyFleet(fleet: readonly NodeSnapshot[]): (w: PendingWorkload) => boolean {
  const capacityByShape = new Map<string, number>();
  return (w) => {
    const key = shapeKey(w);
    let held = capacityByShape.get(key);
    if (held === undefined) {
      held = 0;
      const r = w.requests;
      for (const node of fleet) {
        if (node.maintenance || !mayRunOn(w, node)) continue;
        const c = node.capacity;
        const byCpu = r.cpu > 0 ? Math.floor(c.cpu / r.cpu + 1e-9) : Number.POSITIVE_INFINITY;
        const byMem = r.memoryMiB > 0 ? Math.floor(c.memoryMiB / r.memoryMiB + 1e-9) : Number.POSITIVE_INFINITY;
        const byGpu = r.gpu > 0 ? Math.floor(c.gpu / r.gpu + 1e-9) : Number.POSITIVE_INFINITY;
        held += Math.min(byCpu, byMem, byGpu);
      }
      capacityByShape.set(key, held);
    }
    return held >= (w.replicas ?? 1);
  };
}

/** The reference node used to express demand in node-equivalents: the fleet's median capacity. */
export function referenceCapacity(fleet: readonly NodeSnapshot[]): Resources {
  if (fleet.length === 0) return { cpu: 1, memoryMiB: 1, gpu: 0 };
  const median = (values: number[]): number => at(values.sort((a, b) => a - b), Math.floor(values.length / 2), 'median capacity');
  return {
    cpu: median(fleet.map((n) => n.capacity.cpu)) || 1,
    memoryMiB: median(fleet.map((n) => n.capacity.memoryMiB)) || 1,
    gpu: median(fleet.map((n) => n.capacity.gpu)),
  };
}

/** How many reference nodes a request fills, by its scarcest resource. */
export function nodeEquivalents(requests: Resources, reference: Resources, replicas = 1): number {
  const gpu = reference.gpu > 0 ? requests.gpu / reference.gpu : 0;
  return replicas * Math.max(requests.cpu / reference.cpu, requests.memoryMiB / reference.memoryMiB, gpu);
}

/** Free room of a node in reference nodes, by its scarcest resource (cpu and memory). */
export function freeNodeEquivalents(node: NodeSnapshot, reference: Resources): number {
  const f = freeOf(node);
  return Math.max(0, Math.min(f.cpu / reference.cpu, f.memoryMiB / reference.memoryMiB));
}

export function wakeDecision(node: NodeSnapshot, code: ReasonCode, reason: string): Decision {
  return { action: 'wake', nodeId: node.id, code, reason };
}

export function sleepDecision(node: NodeSnapshot, code: ReasonCode, reason: string): Decision {
  return { action: 'sleep', nodeId: node.id, code, reason };
}

/** Counts actions inside a sliding window, for documented rate limits such as "60 suspends per minute". */
export class RateWindow {
  private readonly times: number[] = [];

  constructor(
    private readonly maxActions: number,
    private readonly windowMs: number,
  ) {}

  /** How many more actions are allowed at `now`. */
  remaining(now: number): number {
    for (let oldest = this.times[0]; oldest !== undefined && oldest <= now - this.windowMs; oldest = this.times[0]) this.times.shift();
    return Math.max(0, this.maxActions - this.times.length);
  }

  record(now: number, count = 1): void {
    for (let i = 0; i < count; i++) this.times.push(now);
  }

  /** When the next slot frees up, if the window is full. */
  nextSlotAt(): number | undefined {
    const oldest = this.times[0];
    return oldest !== undefined && this.times.length >= this.maxActions ? oldest + this.windowMs : undefined;
  }
}
