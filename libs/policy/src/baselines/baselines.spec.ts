import { busyNode, idleNode, input, job } from '../testing-fleet';
import { ClusterAutoscalerPolicy } from './cluster-autoscaler.policy';
import { DpmPolicy } from './dpm.policy';
import { SlurmPowerSavingPolicy } from './slurm.policy';

const S = 1000;
const sleeps = (out: { decisions: readonly { action: string; nodeId: string }[] }): string[] => out.decisions.filter((d) => d.action === 'sleep').map((d) => d.nodeId);
const wakes = (out: { decisions: readonly { action: string; nodeId: string }[] }): string[] => out.decisions.filter((d) => d.action === 'wake').map((d) => d.nodeId);

describe('Slurm power saving', () => {
  it('suspends a node only once it has been idle for SuspendTime (600 s)', () => {
    const policy = new SlurmPowerSavingPolicy();
    const fleet = [idleNode('a', { idleSince: 0 })];
    const early = policy.decide(input(599 * S, fleet));
    expect(sleeps(early)).toEqual([]);
    expect(early.recheckAt).toBe(600 * S);
    expect(sleeps(policy.decide(input(600 * S, fleet)))).toEqual(['a']);
  });

  it('suspends at most 60 nodes a minute (SuspendRate)', () => {
    const policy = new SlurmPowerSavingPolicy();
    const fleet = Array.from({ length: 70 }, (_, i) => idleNode(`n${String(i).padStart(2, '0')}`));
    expect(sleeps(policy.decide(input(600 * S, fleet)))).toHaveLength(60);
    const rest = fleet.slice(60);
    expect(sleeps(policy.decide(input(630 * S, rest)))).toHaveLength(0);
    expect(sleeps(policy.decide(input(660 * S, rest)))).toHaveLength(10);
  });

  it('resumes exactly the powered-down nodes a waiting job is allocated to', () => {
    const policy = new SlurmPowerSavingPolicy();
    const fleet = [idleNode('a'), busyNode('b'), idleNode('c', { power: 'asleep' }), idleNode('d', { power: 'asleep' }), idleNode('e', { power: 'asleep' })];
    // 3 nodes needed, 1 free awake: two of the three sleeping nodes resume.
    expect(wakes(policy.decide(input(0, fleet, [job('j', 3)])))).toEqual(['c', 'd']);
  });

  it('never suspends critical or maintenance nodes', () => {
    const policy = new SlurmPowerSavingPolicy();
    const fleet = [idleNode('a', { tier: 'critical' }), idleNode('b', { maintenance: true })];
    const out = policy.decide(input(3600 * S, fleet));
    expect(sleeps(out)).toEqual([]);
    expect(out.decisions.map((d) => d.code).sort()).toEqual(['critical-tier', 'maintenance']);
  });
});

describe('Cluster Autoscaler', () => {
  it('removes a node after 10 minutes unneeded, not before', () => {
    const policy = new ClusterAutoscalerPolicy();
    const fleet = [idleNode('a'), busyNode('b')];
    expect(sleeps(policy.decide(input(0, fleet)))).toEqual([]);
    expect(sleeps(policy.decide(input(590 * S, fleet)))).toEqual([]);
    expect(sleeps(policy.decide(input(600 * S, fleet)))).toEqual(['a']);
  });

  it('does not count a node at or above 50 % requests as unneeded, and unmovable work blocks removal', () => {
    const policy = new ClusterAutoscalerPolicy();
    const fleet = [busyNode('half', 0.5, { workloadsMovable: true }), busyNode('pinned', 0.2), idleNode('spare', { allocated: { cpu: 0, memoryMiB: 0, gpu: 0 } })];
    policy.decide(input(0, fleet));
    const out = policy.decide(input(700 * S, fleet));
    expect(sleeps(out)).toEqual(['spare']);
  });

  it('drains a movable, under-used node one at a time when its work fits elsewhere', () => {
    const policy = new ClusterAutoscalerPolicy();
    const fleet = [busyNode('x', 0.3, { workloadsMovable: true }), busyNode('y', 0.3, { workloadsMovable: true })];
    policy.decide(input(0, fleet));
    expect(sleeps(policy.decide(input(600 * S, fleet)))).toEqual(['x']);
  });

  it('removes at most 10 empty nodes at once', () => {
    const policy = new ClusterAutoscalerPolicy();
    const fleet = Array.from({ length: 12 }, (_, i) => idleNode(`n${String(i).padStart(2, '0')}`));
    policy.decide(input(0, fleet));
    expect(sleeps(policy.decide(input(600 * S, fleet)))).toHaveLength(10);
  });

  it('waits 10 minutes after a scale-up before any scale-down', () => {
    const policy = new ClusterAutoscalerPolicy();
    const fleet = [idleNode('a'), idleNode('b', { lastWakeAt: 300 * S })];
    policy.decide(input(0, fleet));
    expect(sleeps(policy.decide(input(600 * S, fleet)))).toEqual([]);
    expect(sleeps(policy.decide(input(900 * S, fleet))).sort()).toEqual(['a', 'b']);
  });
});

describe('VMware DPM', () => {
  // 10 hosts, cpu 1 each: demand ratio = busy hosts / powered-on hosts.
  const fleetWith = (busy: number, asleep = 0): ReturnType<typeof idleNode>[] =>
    Array.from({ length: 10 }, (_, i) =>
      i < busy ? busyNode(`h${i}`) : i >= 10 - asleep ? idleNode(`h${i}`, { power: 'asleep' }) : idleNode(`h${i}`),
    );

  it('powers a host on when 5-minute demand exceeds 81 %', () => {
    const policy = new DpmPolicy();
    // 8 busy of 9 powered on = 89 % for 5 minutes: enough hosts to return to 63 % -> 8 / 0.63 = 12.7 > 10, wake the one asleep.
    policy.observe(input(0, fleetWith(8, 1)));
    expect(wakes(policy.decide(input(300 * S, fleetWith(8, 1))))).toEqual(['h9']);
  });

  it('does not power on at 78 %', () => {
    const policy = new DpmPolicy();
    policy.observe(input(0, fleetWith(7, 1)));
    expect(wakes(policy.decide(input(300 * S, fleetWith(7, 1))))).toEqual([]);
  });

  it('powers off one host when demand stayed below 45 % over 40 minutes', () => {
    const policy = new DpmPolicy();
    policy.observe(input(0, fleetWith(3)));
    const out = policy.decide(input(2400 * S, fleetWith(3)));
    expect(sleeps(out)).toHaveLength(1);
  });

  it('keeps hosts on when the 40-minute average is exactly 45 % (20 min at 60 %, 20 min at 30 %)', () => {
    const policy = new DpmPolicy();
    policy.observe(input(0, fleetWith(6)));
    policy.observe(input(1200 * S, fleetWith(3)));
    expect(sleeps(policy.decide(input(2400 * S, fleetWith(3))))).toEqual([]);
  });
});
