import type { LifecycleState, Node } from '@somnus/contracts';
import type { FleetCapacity, Resources } from '@somnus/domain';

/** States whose capacity counts as awake for the headroom check (the domain's definition). */
const AWAKE: readonly LifecycleState[] = ['ready', 'active', 'idle'];

/**
 * Awake capacity of the fleet as lifecycle knows it (ready, active and idle nodes, plus the node about to be
 * drained) and the demand the orchestrator reports (requests of running and pending pods).
 */
export function fleetCapacity(nodes: readonly { id: string; state: LifecycleState; node: Node }[], drainingNodeId: string, demand: Resources): FleetCapacity {
  const awake = nodes
    .filter((n) => AWAKE.includes(n.state) || n.id === drainingNodeId)
    .reduce((sum, n) => ({ cpu: sum.cpu + n.node.capacity.cpu, memoryMiB: sum.memoryMiB + n.node.capacity.memoryMiB }), { cpu: 0, memoryMiB: 0 });
  return { awake, demand };
}
