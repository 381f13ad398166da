import type { Node } from '@somnus/contracts';
import { inFlightSettled, ProjectedNode } from './fleet-snapshot';

const node = { id: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', name: 'n1' } as Node;
const wake = { action: 'wake' as const, at: 1_000 };

describe('inFlightSettled', () => {
  it('keeps a wake in flight when the only newer news says the node is still asleep', () => {
    const projected: ProjectedNode = { node, state: 'sleeping', stateAt: 1_050 };
    expect(inFlightSettled(wake, projected, 1_100, 60_000)).toBe(false);
  });

  it('settles a wake once the node is waking, woke, refused, or the wait ran out', () => {
    expect(inFlightSettled(wake, { node, state: 'waking', stateAt: 1_050 }, 1_100, 60_000)).toBe(true);
    expect(inFlightSettled(wake, { node, power: 'booting', powerAt: 1_050 }, 1_100, 60_000)).toBe(true);
    expect(inFlightSettled(wake, { node, wakeRefusedAt: 1_050 }, 1_100, 60_000)).toBe(true);
    expect(inFlightSettled(wake, { node, state: 'sleeping', stateAt: 900 }, 61_000, 60_000)).toBe(true);
  });

  it('settles a sleep on any newer news', () => {
    expect(inFlightSettled({ action: 'sleep', at: 1_000 }, { node, state: 'active', stateAt: 1_050 }, 1_100, 60_000)).toBe(true);
    expect(inFlightSettled({ action: 'sleep', at: 1_000 }, { node, state: 'idle', stateAt: 900 }, 1_100, 60_000)).toBe(false);
  });
});
