import { DO_NOT_SLEEP_ANNOTATION, type LifecycleState, type Tier } from '@somnus/contracts';
import { applyTrigger, isAutomation } from '../lifecycle/transitions';

const AUTOMATION = 'policy:safety-check';

/** Kubelet marks the API copy of a static pod with this annotation; such pods live and die with the node. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export interface Resources {
  cpu: number;
  memoryMiB: number;
}

export interface NodeFacts {
  name: string;
  tier: Tier;
  state: LifecycleState;
  /** When the node last woke, or was created if it never slept. */
  awakeSince: Date;
  capacity: Resources;
}

export type VolumeKind = 'emptyDir' | 'hostPath' | 'localPersistentVolume' | 'other';

export interface PodFacts {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Kinds of the pod's owner references, e.g. `ReplicaSet`, `DaemonSet`; empty for a bare pod. */
  ownerKinds: string[];
  volumes: VolumeKind[];
  /** Finished pods (Succeeded, Failed) hold nothing and are ignored. */
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface PdbFacts {
  name: string;
  namespace: string;
  /** policy/v1 semantics: an empty selector matches every pod in the namespace; null matches none. */
  selector: { matchLabels?: Record<string, string>; matchExpressions?: LabelSelectorRequirement[] } | null;
  disruptionsAllowed: number;
}

/**
 * Capacity of the nodes that stay awake (ready, active, idle, and this node; not those already draining or asleep)
 * and the demand on them (requests of running and pending pods).
 */
export interface FleetCapacity {
  awake: Resources;
  demand: Resources;
}

export interface SafetySettings {
  /** A node must stay awake at least this long after it woke or was created, so nodes do not flap. */
  minAwakeMs: number;
  /** Spare capacity (awake minus demand) that must remain after this node sleeps, per resource. */
  headroom: {
    /** Absolute floor, e.g. `{ cpu: 4, memoryMiB: 8192 }`. */
    absolute: Resources;
    /** Fraction of demand, e.g. 0.2 keeps 20 % above current requests. The larger of the two applies. */
    fractionOfDemand: number;
  };
  /**
   * Whether emptyDir volumes count as local storage. Default true, as the Cluster Autoscaler and `kubectl drain`
   * do: the data is lost on eviction, so we refuse unless the operator says scratch data may go.
   */
  emptyDirIsLocalStorage: boolean;
  /** Whether a pod without a controller blocks sleep. Default true: evicting it deletes it for good. */
  barePodsBlockSleep: boolean;
}

export const DEFAULT_SAFETY_SETTINGS: SafetySettings = {
  minAwakeMs: 10 * 60_000,
  headroom: { absolute: { cpu: 0, memoryMiB: 0 }, fractionOfDemand: 0.1 },
  emptyDirIsLocalStorage: true,
  barePodsBlockSleep: true,
};

export type SafetyCheck =
  | 'lifecycle-state'
  | 'maintenance'
  | 'critical-tier'
  | 'min-age'
  | 'unmovable-workload'
  | 'disruption-budget'
  | 'headroom';

export interface Refusal {
  check: SafetyCheck;
  reason: string;
}

export interface SleepSafetyInput {
  node: NodeFacts;
  pods: PodFacts[];
  pdbs: PdbFacts[];
  fleet: FleetCapacity;
  settings: SafetySettings;
  at: Date;
  /** Who asks; automation (`policy:`, `system:`, `service:`) may sleep only idle nodes. Default: automation. */
  actor?: string;
}

export type SleepSafetyVerdict = { allowed: true } | { allowed: false; refusals: Refusal[] };

/** DaemonSet and mirror pods belong to the node itself: they neither block a drain nor move. */
export function isNodeBoundPod(pod: PodFacts): boolean {
  return pod.ownerKinds.includes('DaemonSet') || MIRROR_POD_ANNOTATION in pod.annotations;
}

function podsThatMatter(pods: readonly PodFacts[]): PodFacts[] {
  return pods.filter((pod) => !isNodeBoundPod(pod) && pod.phase !== 'Succeeded' && pod.phase !== 'Failed');
}

function podName(pod: PodFacts): string {
  return `${pod.namespace}/${pod.name}`;
}

/** The table decides which states may be drained, and by whom; a node already draining may go on to sleep. */
export function checkLifecycleState(node: NodeFacts, actor: string = AUTOMATION): Refusal[] {
  if (node.state === 'maintenance' || node.state === 'draining') return []; // maintenance has its own check
  const canDrain = applyTrigger(node.state, 'drain-started', { actor, reason: 'safety check', at: new Date(0) });
  if (canDrain.ok) return [];
  const who = isAutomation(actor) ? 'automation drains only idle nodes' : 'only ready, active or idle nodes can be drained';
  return [{ check: 'lifecycle-state', reason: `${node.name} is ${node.state}; ${who}` }];
}

export function checkMaintenance(node: NodeFacts): Refusal[] {
  if (node.state !== 'maintenance') return [];
  return [{ check: 'maintenance', reason: `${node.name} is in maintenance, held by an operator; release it first` }];
}

export function checkCriticalTier(node: NodeFacts): Refusal[] {
  if (node.tier !== 'critical') return [];
  return [{ check: 'critical-tier', reason: `${node.name} is in the critical tier, which never sleeps; change its tier to allow sleep` }];
}

export function checkMinAge(node: NodeFacts, settings: SafetySettings, at: Date): Refusal[] {
  const awakeMs = at.getTime() - node.awakeSince.getTime();
  if (awakeMs >= settings.minAwakeMs) return [];
  // Seconds under two minutes, so a near miss never reads as "0.3 min, less than 0.3 min".
  const minutes = (ms: number) => (ms < 120_000 ? `${Math.floor(ms / 1_000)} s` : `${Math.round(ms / 6_000) / 10} min`);
  return [
    {
      check: 'min-age',
      reason: `${node.name} has been awake ${minutes(Math.max(0, awakeMs))}, less than the minimum ${minutes(settings.minAwakeMs)}`,
    },
  ];
}

export function checkUnmovableWorkloads(pods: readonly PodFacts[], settings: SafetySettings): Refusal[] {
  return podsThatMatter(pods).flatMap((pod): Refusal[] => {
    const why: string[] = [];
    // Any value but "false" keeps the node awake, so `somnus.io/do-not-sleep: ""` works as people expect.
    if (pod.annotations[DO_NOT_SLEEP_ANNOTATION] !== undefined && pod.annotations[DO_NOT_SLEEP_ANNOTATION] !== 'false') {
      why.push(`has the annotation ${DO_NOT_SLEEP_ANNOTATION}`);
    }
    const local = pod.volumes.filter((kind) => kind === 'hostPath' || kind === 'localPersistentVolume' || (kind === 'emptyDir' && settings.emptyDirIsLocalStorage));
    if (local.length > 0) why.push(`uses local storage (${[...new Set(local)].join(', ')})`);
    if (settings.barePodsBlockSleep && pod.ownerKinds.length === 0) why.push('has no controller to recreate it elsewhere');
    return why.length === 0 ? [] : [{ check: 'unmovable-workload', reason: `pod ${podName(pod)} cannot move: it ${why.join(' and ')}` }];
  });
}

function selectorMatches(selector: PdbFacts['selector'], labels: Record<string, string>): boolean {
  if (selector === null) return false;
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    // Own labels only: a key such as "constructor" is not a label every pod has.
    const value = Object.hasOwn(labels, key) ? labels[key] : undefined;
    switch (operator) {
      case 'In': return value !== undefined && values.includes(value);
      case 'NotIn': return value === undefined || !values.includes(value);
      case 'Exists': return value !== undefined;
      case 'DoesNotExist': return value === undefined;
    }
  });
  return byLabel && byExpression;
}

/**
 * A budget with no disruption left forbids any eviction of the pods it covers. A budget above zero lets the
 * drain go ahead: evictions proceed one by one and the drain retries on 429 as replacements become ready.
 */
export function checkDisruptionBudgets(pods: readonly PodFacts[], pdbs: readonly PdbFacts[]): Refusal[] {
  return pdbs.flatMap((pdb): Refusal[] => {
    if (pdb.disruptionsAllowed > 0) return [];
    const covered = podsThatMatter(pods).filter((pod) => pod.namespace === pdb.namespace && selectorMatches(pdb.selector, pod.labels));
    if (covered.length === 0) return [];
    return [
      {
        check: 'disruption-budget',
        reason: `PodDisruptionBudget ${pdb.namespace}/${pdb.name} allows no disruption and covers ${covered.map(podName).join(', ')}`,
      },
    ];
  });
}

/** Spare capacity required of the fleet, per resource: the larger of the absolute floor and the fraction of demand. */
export function requiredHeadroom(demand: Resources, settings: SafetySettings): Resources {
  const { absolute, fractionOfDemand } = settings.headroom;
  return {
    cpu: Math.max(absolute.cpu, fractionOfDemand * demand.cpu),
    memoryMiB: Math.max(absolute.memoryMiB, fractionOfDemand * demand.memoryMiB),
  };
}

export function checkHeadroom(node: NodeFacts, fleet: FleetCapacity, settings: SafetySettings): Refusal[] {
  const required = requiredHeadroom(fleet.demand, settings);
  const units = { cpu: 'cores', memoryMiB: 'MiB' } as const;
  return (['cpu', 'memoryMiB'] as const).flatMap((resource): Refusal[] => {
    const spareAfter = fleet.awake[resource] - node.capacity[resource] - fleet.demand[resource];
    if (spareAfter >= required[resource]) return [];
    return [
      {
        check: 'headroom',
        reason: `without ${node.name} the awake fleet would have ${round(spareAfter)} ${units[resource]} spare ${resource === 'cpu' ? 'cpu' : 'memory'}, below the required ${round(required[resource])}`,
      },
    ];
  });
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Every check before a drain or sleep; all refusals are reported, not just the first. */
export function checkSleepSafety(input: SleepSafetyInput): SleepSafetyVerdict {
  const { node, pods, pdbs, fleet, settings, at, actor } = input;
  const refusals = [
    ...checkLifecycleState(node, actor),
    ...checkMaintenance(node),
    ...checkCriticalTier(node),
    ...checkMinAge(node, settings, at),
    ...checkUnmovableWorkloads(pods, settings),
    ...checkDisruptionBudgets(pods, pdbs),
    ...checkHeadroom(node, fleet, settings),
  ];
  return refusals.length === 0 ? { allowed: true } : { allowed: false, refusals };
}
