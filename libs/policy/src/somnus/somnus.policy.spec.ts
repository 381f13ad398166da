import { breakEvenSeconds, BATSIM_PROFILE } from '@somnus/domain';
import { busyNode, idleNode, input, job } from '../testing-fleet';
import type { PolicyInput } from '../policy.port';
import { SomnusPolicy } from './somnus.policy';

const S = 1000;
const BREAK_EVEN_MS = breakEvenSeconds(BATSIM_PROFILE) * S;
const sleeps = (out: { decisions: readonly { action: string; nodeId: string }[] }): string[] => out.decisions.filter((d) => d.action === 'sleep').map((d) => d.nodeId);
const wakes = (out: { decisions: readonly { action: string; nodeId: string }[] }): string[] => out.decisions.filter((d) => d.action === 'wake').map((d) => d.nodeId);

describe('Somnus policy', () => {
  it('never sleeps critical or maintenance nodes, and says why', () => {
    const policy = new SomnusPolicy();
    const fleet = [idleNode('c', { tier: 'critical' }), idleNode('m', { maintenance: true }), idleNode('d')];
    const out = policy.decide(input(3600 * S, fleet));
    expect(sleeps(out)).toEqual(['d']);
    expect(out.decisions.filter((d) => d.action === 'hold').map((d) => d.code).sort()).toEqual(['critical-tier', 'maintenance']);
  });

  it('never wakes a node in maintenance, even for waiting work', () => {
    const policy = new SomnusPolicy();
    const fleet = [idleNode('m', { power: 'asleep', maintenance: true }), idleNode('s', { power: 'asleep' })];
    expect(wakes(policy.decide(input(0, fleet, [job('j', 1)])))).toEqual(['s']);
  });

  it('keeps the operator headroom awake', () => {
    const policy = new SomnusPolicy({ minHeadroomNodes: 2 });
    const fleet = ['a', 'b', 'c', 'd'].map((id) => idleNode(id));
    expect(sleeps(policy.decide(input(3600 * S, fleet)))).toHaveLength(2);
  });

  it('wakes nodes back to the headroom when pre-wake is on', () => {
    const policy = new SomnusPolicy({ minHeadroomNodes: 2, preWake: true });
    const fleet = [busyNode('a'), idleNode('b', { power: 'asleep' }), idleNode('c', { power: 'asleep' }), idleNode('d', { power: 'asleep' })];
    expect(wakes(policy.decide(input(0, fleet)))).toHaveLength(2);
  });

  it('sleeps dev before staging before prod', () => {
    const policy = new SomnusPolicy({ minHeadroomNodes: 2 });
    const fleet = [idleNode('p', { tier: 'prod' }), idleNode('s', { tier: 'staging' }), idleNode('d', { tier: 'dev' })];
    expect(sleeps(policy.decide(input(3600 * S, fleet)))).toEqual(['d']);
  });

  it('waits one break-even time of idleness before sleeping a node', () => {
    const policy = new SomnusPolicy();
    const fleet = [idleNode('a', { idleSince: 0 })];
    expect(sleeps(policy.decide(input(BREAK_EVEN_MS - S, fleet)))).toEqual([]);
    expect(sleeps(policy.decide(input(BREAK_EVEN_MS, fleet)))).toEqual(['a']);
  });

  it('holds nodes awake inside a calendar window and wakes them when it opens', () => {
    const calendar = [{ name: 'office hours', days: [1, 2, 3, 4, 5], start: '08:00', end: '18:00', timeZone: 'Europe/Paris' }];
    const mondayNineParis = Date.UTC(2024, 0, 8, 8, 0); // 09:00 in Paris (UTC+1)
    const policy = new SomnusPolicy();
    const fleet = [idleNode('a'), idleNode('b', { power: 'asleep' })];
    const out = policy.decide({ ...input(mondayNineParis, fleet), calendar });
    expect(sleeps(out)).toEqual([]);
    expect(wakes(out)).toEqual(['b']);
    const sundayNoon = Date.UTC(2024, 0, 7, 11, 0);
    expect(sleeps(new SomnusPolicy().decide({ ...input(sundayNoon, fleet), calendar }))).toEqual(['a']);
  });

  it('learns to hold room at the hour of the week where demand used to jump', () => {
    const fleetIdle = ['a', 'b', 'c', 'd'].map((id) => idleNode(id, { idleSince: 0 }));
    const policy = new SomnusPolicy({ coveredArrivalShare: 0.5 });
    const week = 7 * 24 * 3600 * S;
    // Two past weeks: at 10:00 a 3-node job arrives on an empty fleet.
    for (const w of [0, 1]) {
      const at = w * week + 10 * 3600 * S;
      policy.observe(input(at - 60 * S, fleetIdle));
      const running: PolicyInput = { now: at, fleet: fleetIdle, demand: { pending: [job(`j${w}`, 3, at)], running: [] } };
      policy.observe(running);
    }
    // Third week, 09:59:30: 4 idle nodes; room for 3 within the coming boot window is held.
    const now = 2 * week + 10 * 3600 * S - 30 * S;
    expect(sleeps(policy.decide(input(now, fleetIdle)))).toHaveLength(1);
    // Same policy, a quiet hour (03:00): everything may sleep.
    expect(sleeps(policy.decide(input(now + 17 * 3600 * S, fleetIdle)))).toHaveLength(4);
  });

  it('keeps idle room awake for queued work that waits only because running work holds the rest', () => {
    // 4 nodes, 2 busy, 2 idle for an hour. A 4-node job waits: it cannot start until the running work ends,
    // and it will then need the idle two as well, so putting them to sleep would add a boot to its wait.
    const fleet = [busyNode('a'), busyNode('b'), idleNode('c'), idleNode('d')];
    expect(sleeps(new SomnusPolicy().decide(input(3600 * S, fleet)))).toEqual(['c', 'd']);
    expect(sleeps(new SomnusPolicy().decide(input(3600 * S, fleet, [job('j', 4)])))).toEqual([]);
    // Work no node could ever take (its selector matches none) holds nothing awake.
    const impossible = { ...job('k', 1), nodeSelector: { gpu: 'true' } };
    expect(sleeps(new SomnusPolicy().decide(input(3600 * S, fleet, [impossible])))).toEqual(['c', 'd']);
  });

  describe('with a wait budget', () => {
    const H = 3600 * S;
    const busy = (at: number): PolicyInput => input(at, ['a', 'b', 'c', 'd'].map((id) => busyNode(id)));
    const idle = (at: number, power: 'awake' | 'asleep' = 'awake'): PolicyInput => input(at, ['a', 'b', 'c', 'd'].map((id) => idleNode(id, { idleSince: 0, power })));

    it('keeps room for the recent peak of running work for as long as it holds it', () => {
      const policy = new SomnusPolicy({ waitBudget: 0.05 });
      policy.observe(busy(0));
      policy.observe(idle(10 * 60 * S));
      // The hold starts at one hour: 40 min after the four nodes were busy, their room stays awake...
      expect(sleeps(policy.decide(idle(40 * 60 * S)))).toEqual([]);
      // ...while the default policy, without a budget, sleeps all four.
      const lean = new SomnusPolicy();
      lean.observe(busy(0));
      expect(sleeps(lean.decide(idle(40 * 60 * S)))).toHaveLength(4);
      // Two hours on, the peak is older than the hold: they may sleep.
      expect(sleeps(policy.decide(idle(2 * H)))).toHaveLength(4);
    });

    it('lengthens the hold when new work waits for room the fleet had within the day, and shortens it when work finds room', () => {
      const policy = new SomnusPolicy({ waitBudget: 0.05 });
      policy.observe(busy(0));
      policy.observe(idle(10 * 60 * S, 'asleep'));
      expect(policy.holdMs).toBeCloseTo(H, 0);
      // 3 h later a 4-node job arrives on a sleeping fleet: it waits for a boot, for room used 3 h ago.
      policy.decide(input(3 * H, ['a', 'b', 'c', 'd'].map((id) => idleNode(id, { power: 'asleep' })), [job('j1', 4, 3 * H)]));
      expect(policy.holdMs).toBeGreaterThan(H);
      expect(policy.bootWaitShare).toBe(1);
      const afterMiss = policy.holdMs;
      // Work that is already running when first seen found room.
      const startedAt = 4 * H;
      const found: PolicyInput = {
        now: startedAt,
        fleet: ['a', 'b', 'c', 'd'].map((id) => busyNode(id)),
        demand: { pending: [], running: [{ id: 'j2', nodeIds: ['a', 'b', 'c', 'd'], requests: { cpu: 4, memoryMiB: 4, gpu: 0 }, submittedAt: startedAt, startedAt }] },
      };
      policy.decide(found);
      expect(policy.holdMs).toBeLessThan(afterMiss);
      expect(policy.bootWaitShare).toBe(0.5);
    });

    it('never holds for less than one break-even time, even on machines that take hours to cycle', () => {
      const slow = { ...BATSIM_PROFILE, bootSeconds: 4 * 3600 };
      const policy = new SomnusPolicy({ waitBudget: 0.05, defaultProfile: slow });
      expect(policy.holdMs).toBeGreaterThanOrEqual(breakEvenSeconds(slow) * S - 1);
    });

    it('still counts a wait for a boot while work no node could ever take is pending ahead of it', () => {
      const policy = new SomnusPolicy({ waitBudget: 0.05 });
      const asleep = ['a', 'b', 'c', 'd'].map((id) => idleNode(id, { power: 'asleep' }));
      const impossible = { ...job('gpu-job', 1, 2 * H), nodeSelector: { gpu: 'true' } };
      policy.observe(busy(0));
      policy.decide(input(2 * H, asleep, [impossible]));
      const before = policy.holdMs;
      policy.decide(input(3 * H, asleep, [impossible, job('j1', 4, 3 * H)]));
      expect(policy.holdMs).toBeGreaterThan(before);
    });

    it('does not blame the hold for growth beyond anything seen within the day', () => {
      const policy = new SomnusPolicy({ waitBudget: 0.05 });
      policy.observe(idle(0, 'asleep'));
      policy.decide(input(3 * H, ['a', 'b', 'c', 'd'].map((id) => idleNode(id, { power: 'asleep' })), [job('j1', 4, 3 * H)]));
      expect(policy.holdMs).toBeCloseTo(H, 0);
      expect(policy.bootWaitShare).toBe(0);
    });
  });

  it('decides the same way on the same inputs', () => {
    const make = (): string => {
      const policy = new SomnusPolicy();
      const outs: unknown[] = [];
      for (let t = 0; t < 50; t++) {
        const fleet = [busyNode('a'), idleNode('b', { idleSince: t * 30 * S - 300 * S }), idleNode('c', { power: t % 3 === 0 ? 'asleep' : 'awake' })];
        outs.push(policy.decide(input(t * 60 * S, fleet, t % 5 === 0 ? [job(`j${t}`, 2, t * 60 * S)] : [])));
      }
      return JSON.stringify(outs);
    };
    expect(make()).toBe(make());
  });
});
