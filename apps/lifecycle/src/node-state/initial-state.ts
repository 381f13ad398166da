import type { LifecycleState, PowerState } from '@somnus/contracts';
import type { NodeObservation } from '../kubernetes/kube-facts';

export interface FirstObservation {
  /** The Kubernetes node, null when the cluster has no such node, undefined when Kubernetes is not consulted. */
  kubernetes?: NodeObservation | null;
  /** Pods that would have to move, when Kubernetes answered. */
  movablePods?: number;
  /** Whether the node's SSH port accepted a TCP connection, undefined when it has no SSH settings. */
  sshReachable?: boolean;
}

export interface InitialState {
  state: LifecycleState;
  powerState: PowerState;
  reason: string;
}

/**
 * Where a newly catalogued node starts, decided from what can be observed of it:
 * - a Kubernetes node that is Ready: `active` when it runs movable pods, else `ready`;
 * - a Kubernetes node that is not Ready and carries the unreachable taint (what a suspended machine looks
 *   like): `sleeping`;
 * - a Kubernetes node that is not Ready without that taint: `unhealthy`;
 * - no Kubernetes node: the SSH port decides (answers: `ready`; silent: `sleeping`);
 * - nothing to observe: `ready` with power `unknown` (idle detection leaves such a node alone).
 */
export function decideInitialState(seen: FirstObservation): InitialState {
  const kube = seen.kubernetes;
  if (kube) {
    if (kube.ready === 'True') {
      const pods = seen.movablePods ?? 0;
      return pods > 0
        ? { state: 'active', powerState: 'on', reason: `first seen: Kubernetes node Ready with ${pods} movable pod(s)` }
        : { state: 'ready', powerState: 'on', reason: 'first seen: Kubernetes node Ready, no movable pods' };
    }
    if (kube.unreachable) return { state: 'sleeping', powerState: 'off', reason: `first seen: Kubernetes node ${kube.ready === 'Unknown' ? 'status Unknown' : 'NotReady'} with the unreachable taint` };
    return { state: 'unhealthy', powerState: 'on', reason: `first seen: Kubernetes node ${kube.ready === 'Unknown' ? 'status Unknown' : 'NotReady'} but not marked unreachable` };
  }
  const noKube = kube === null ? 'no Kubernetes node of that name; ' : '';
  if (seen.sshReachable === true) return { state: 'ready', powerState: 'on', reason: `first seen: ${noKube}SSH port answers` };
  if (seen.sshReachable === false) return { state: 'sleeping', powerState: 'off', reason: `first seen: ${noKube}SSH port does not answer` };
  return { state: 'ready', powerState: 'unknown', reason: `first seen: ${noKube}nothing to observe (no SSH settings); assumed ready` };
}
