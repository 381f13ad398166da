import { defaultFleet, FleetSimulator, KubePod, MagicPacketEvent, SimulatedNodeDefinition, SimulatedTaint } from '@somnus/fleet-sim';
import type { Tier } from '@somnus/contracts';

/** What each simulated node is for in the loop tests; one node per test, so tests never share a machine. */
export const ROLE = {
  critical: 'e2e-critical',
  spareA: 'e2e-spare-a',
  drained: 'e2e-drained',
  budget: 'e2e-budget',
  headroom: 'e2e-headroom',
  hostKey: 'e2e-host-key',
  spareB: 'e2e-spare-b',
  slotSmall: 'e2e-slot-small',
  slotLarge: 'e2e-slot-large',
  neverBoots: 'e2e-never-boots',
  calendar: 'e2e-calendar',
  failover: 'e2e-failover',
  bystander: 'e2e-bystander',
  idle: 'e2e-idle',
} as const;

/** A label that lets one pod need exactly one particular sleeping node (as the reaction benchmark does). */
export const SLOT_LABEL = 'e2e.somnus.io/slot';
export const CALENDAR_LABEL = 'e2e.somnus.io/calendar';
/** Keeps the test pods off the node left to fall idle on its own (pods moved by a drain would land there). */
export const RESERVED_TAINT = { key: 'e2e.somnus.io/reserved', value: 'idle-test', effect: 'NoSchedule' as const };

interface Layout {
  name: string;
  tier: Tier;
  cpu: number;
  asleep: boolean;
  labels?: Record<string, string>;
  taints?: SimulatedTaint[];
}

const LAYOUT: Layout[] = [
  { name: ROLE.critical, tier: 'critical', cpu: 8, asleep: false },
  { name: ROLE.spareA, tier: 'prod', cpu: 16, asleep: false },
  { name: ROLE.drained, tier: 'dev', cpu: 8, asleep: false },
  { name: ROLE.budget, tier: 'staging', cpu: 8, asleep: false },
  { name: ROLE.headroom, tier: 'staging', cpu: 8, asleep: false },
  { name: ROLE.hostKey, tier: 'dev', cpu: 8, asleep: false },
  { name: ROLE.spareB, tier: 'prod', cpu: 16, asleep: false },
  // Both carry slot "a"; only the large one can hold a 12-cpu pod.
  { name: ROLE.slotSmall, tier: 'dev', cpu: 4, asleep: true, labels: { [SLOT_LABEL]: 'a' } },
  { name: ROLE.slotLarge, tier: 'dev', cpu: 16, asleep: true, labels: { [SLOT_LABEL]: 'a' } },
  { name: ROLE.neverBoots, tier: 'dev', cpu: 8, asleep: true },
  { name: ROLE.calendar, tier: 'staging', cpu: 8, asleep: true, labels: { [CALENDAR_LABEL]: 'office' } },
  { name: ROLE.failover, tier: 'staging', cpu: 16, asleep: true, labels: { [SLOT_LABEL]: 'g' } },
  { name: ROLE.bystander, tier: 'prod', cpu: 8, asleep: true },
  { name: ROLE.idle, tier: 'dev', cpu: 8, asleep: false, taints: [RESERVED_TAINT] },
];

/** The loop's fleet: measured power profiles of the default layout, with names, sizes and labels per role. */
export function loopFleetDefinitions(): SimulatedNodeDefinition[] {
  const base = defaultFleet(LAYOUT.length);
  return LAYOUT.map((layout, index) => ({
    ...base[index],
    name: layout.name,
    tier: layout.tier,
    taints: layout.taints ?? [],
    preSleepHooks: {},
    capacity: { cpu: layout.cpu, memoryMiB: layout.cpu * 4096, gpu: 0 },
    labels: { 'kubernetes.io/hostname': layout.name, 'somnus.io/tier': layout.tier, ...layout.labels },
  }));
}

export const ASLEEP_AT_START = LAYOUT.filter((layout) => layout.asleep).map((layout) => layout.name);

/**
 * Idle detection runs, so an awake node with nothing to do would be put to sleep by the scheduler in the
 * middle of another test. An operator logged in on every awake node but one keeps them from looking idle;
 * the one left alone is where the automatic path (idle -> decision -> drain -> sleep) is tested.
 */
export function keepBusyExceptIdle(fleet: FleetSimulator): void {
  for (const layout of LAYOUT) if (!layout.asleep && layout.name !== ROLE.idle) fleet.setSessions(layout.name, 1);
}

/** A pod owned by a ReplicaSet (so it may be evicted and comes back elsewhere), optionally already on a node. */
export function replicaPod(name: string, options: { node?: string; cpu?: number; nodeSelector?: Record<string, string>; labels?: Record<string, string> } = {}): KubePod {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: { app: name, ...options.labels },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-rs`, uid: `${name}-rs`, controller: true }],
    },
    spec: {
      ...(options.node ? { nodeName: options.node } : {}),
      ...(options.nodeSelector ? { nodeSelector: options.nodeSelector } : {}),
      containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: String(options.cpu ?? 0.5), memory: '256Mi' } } }],
    },
    status: { phase: options.node ? 'Running' : 'Pending' },
  };
}

/** Every valid magic packet the simulated cards receive, in order, from the moment it is attached. */
export class PacketLog {
  readonly packets: MagicPacketEvent[] = [];

  constructor(fleet: FleetSimulator) {
    fleet.on('magic-packet', (packet) => this.packets.push(packet));
  }

  /** A position to read from later: packets since then. */
  mark(): number {
    return this.packets.length;
  }

  since(mark: number): MagicPacketEvent[] {
    return this.packets.slice(mark);
  }

  to(node: string): MagicPacketEvent[] {
    return this.packets.filter((packet) => packet.node === node);
  }
}
