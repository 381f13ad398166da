import type { NodeSnapshot, PendingWorkload, PolicyInput } from './policy.port';

/** Small builders for hand-made fleets in the policy's tests (pure, no I/O). */
export function idleNode(id: string, overrides: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return {
    id,
    name: id,
    tier: 'dev',
    power: 'awake',
    maintenance: false,
    capacity: { cpu: 1, memoryMiB: 1, gpu: 0 },
    allocated: { cpu: 0, memoryMiB: 0, gpu: 0 },
    workloads: 0,
    workloadsMovable: false,
    labels: {},
    taints: [],
    idleSince: 0,
    ...overrides,
  };
}

export function busyNode(id: string, share = 1, overrides: Partial<NodeSnapshot> = {}): NodeSnapshot {
  return idleNode(id, { allocated: { cpu: share, memoryMiB: share, gpu: 0 }, workloads: 1, idleSince: undefined, ...overrides });
}

export function job(id: string, nodes: number, submittedAt = 0): PendingWorkload {
  return { id, requests: { cpu: 1, memoryMiB: 1, gpu: 0 }, replicas: nodes, submittedAt };
}

export function input(now: number, fleet: NodeSnapshot[], pending: PendingWorkload[] = []): PolicyInput {
  return { now, fleet, demand: { pending, running: [] } };
}
