import { idleNode, job } from './testing-fleet';
import { fitsOnEmptyFleet, packPending } from './fleet';

describe('fitsOnEmptyFleet', () => {
  // Two 2-core nodes (one busy, which does not matter: capacity counts, not free room) hold 4 one-core replicas.
  const busy = idleNode('a', { capacity: { cpu: 2, memoryMiB: 2, gpu: 0 }, allocated: { cpu: 2, memoryMiB: 2, gpu: 0 }, workloads: 1 });
  const idle = idleNode('b', { capacity: { cpu: 2, memoryMiB: 2, gpu: 0 } });
  const fleet = [busy, idle];

  it('counts the full capacity of every node the work may run on', () => {
    const fits = fitsOnEmptyFleet(fleet);
    expect(fits(job('four', 4))).toBe(true);
    expect(fits(job('five', 5))).toBe(false);
  });

  it('leaves out nodes in maintenance and nodes the work may not run on', () => {
    expect(fitsOnEmptyFleet([busy, { ...idle, maintenance: true }])(job('three', 3))).toBe(false);
    expect(fitsOnEmptyFleet(fleet)({ ...job('gpu', 1), nodeSelector: { gpu: 'true' } })).toBe(false);
    // 2 replicas of 1.5 GiB: one per 2 GiB node.
    expect(fitsOnEmptyFleet(fleet)({ ...job('big', 2), requests: { cpu: 1, memoryMiB: 1.5, gpu: 0 } })).toBe(true);
    expect(fitsOnEmptyFleet(fleet)({ ...job('big', 3), requests: { cpu: 1, memoryMiB: 1.5, gpu: 0 } })).toBe(false);
  });
});

describe('packPending', () => {
  it('tells work that fits on awake room from work that waits for a boot', () => {
    const fleet = [idleNode('awake'), idleNode('booting', { power: 'booting' }), idleNode('asleep', { power: 'asleep' })];
    const now = job('now', 1, 0);
    const onBooting = job('on-booting', 1, 1);
    const onSleeping = job('on-sleeping', 1, 2);
    const packing = packPending(fleet, [now, onBooting, onSleeping]);
    expect(packing.waitForBoot.map((w) => w.id)).toEqual(['on-booting', 'on-sleeping']);
    expect(packing.fitsOnUpNodes.map((w) => w.id)).toEqual(['now', 'on-booting']);
    expect(packing.wake.map((n) => n.id)).toEqual(['asleep']);
  });
});
