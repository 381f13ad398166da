import type { LifecycleState, Node } from '@somnus/contracts';
import { fleetCapacity } from './fleet-capacity';

const node = (id: string, state: LifecycleState, cpu: number) => ({ id, state, node: { capacity: { cpu, memoryMiB: cpu * 1024, gpu: 0 } } as Node });

describe('fleetCapacity', () => {
  it('counts ready, active and idle nodes plus the one being drained, not sleeping or draining ones', () => {
    const nodes = [node('a', 'active', 4), node('b', 'idle', 8), node('c', 'sleeping', 16), node('d', 'draining', 2), node('e', 'ready', 1)];
    expect(fleetCapacity(nodes, 'd', { cpu: 3, memoryMiB: 100 })).toEqual({ awake: { cpu: 15, memoryMiB: 15 * 1024 }, demand: { cpu: 3, memoryMiB: 100 } });
  });
});
