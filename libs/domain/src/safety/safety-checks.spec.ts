import { DO_NOT_SLEEP_ANNOTATION } from '@somnus/contracts';
import {
  checkSleepSafety,
  DEFAULT_SAFETY_SETTINGS,
  MIRROR_POD_ANNOTATION,
  requiredHeadroom,
  type PdbFacts,
  type PodFacts,
  type SleepSafetyInput,
} from './safety-checks';

const at = new Date('2025-01-06T12:00:00Z');
const hourAgo = new Date(at.getTime() - 3_600_000);

function pod(overrides: Partial<PodFacts> = {}): PodFacts {
  return { name: 'web-1', namespace: 'shop', labels: { app: 'web' }, annotations: {}, ownerKinds: ['ReplicaSet'], volumes: [], phase: 'Running', ...overrides };
}

function input(overrides: Partial<SleepSafetyInput> = {}): SleepSafetyInput {
  return {
    node: { name: 'node-7', tier: 'dev', state: 'idle', awakeSince: hourAgo, capacity: { cpu: 8, memoryMiB: 32_768 } },
    pods: [pod()],
    pdbs: [],
    fleet: { awake: { cpu: 64, memoryMiB: 262_144 }, demand: { cpu: 16, memoryMiB: 65_536 } },
    settings: DEFAULT_SAFETY_SETTINGS,
    at,
    ...overrides,
  };
}

function checksRefused(verdict: ReturnType<typeof checkSleepSafety>): string[] {
  return verdict.allowed ? [] : verdict.refusals.map((refusal) => refusal.check);
}

describe('checkSleepSafety', () => {
  it('allows an idle, old enough dev node with movable pods and room to spare', () => {
    expect(checkSleepSafety(input())).toEqual({ allowed: true });
  });

  it('refuses a node in maintenance', () => {
    const verdict = checkSleepSafety(input({ node: { ...input().node, state: 'maintenance' } }));
    expect(verdict).toEqual({ allowed: false, refusals: [{ check: 'maintenance', reason: expect.stringContaining('node-7 is in maintenance') }] });
  });

  it('refuses a critical node, even for an operator', () => {
    const critical = input({ node: { ...input().node, tier: 'critical' }, actor: 'alice' });
    expect(checksRefused(checkSleepSafety(critical))).toEqual(['critical-tier']);
  });

  it('refuses automation on a node that is not idle, but lets an operator drain an active node', () => {
    const active = { ...input().node, state: 'active' as const };
    expect(checkSleepSafety(input({ node: active }))).toEqual({
      allowed: false,
      refusals: [{ check: 'lifecycle-state', reason: 'node-7 is active; automation drains only idle nodes' }],
    });
    expect(checkSleepSafety(input({ node: active, actor: 'alice' }))).toEqual({ allowed: true });
    expect(checksRefused(checkSleepSafety(input({ node: { ...active, state: 'sleeping' }, actor: 'alice' })))).toEqual(['lifecycle-state']);
    expect(checkSleepSafety(input({ node: { ...active, state: 'draining' } }))).toEqual({ allowed: true });
  });

  it('refuses a node awake for less than the minimum age', () => {
    const young = { ...input().node, awakeSince: new Date(at.getTime() - 5 * 60_000) };
    const verdict = checkSleepSafety(input({ node: young }));
    expect(verdict).toEqual({ allowed: false, refusals: [{ check: 'min-age', reason: 'node-7 has been awake 5 min, less than the minimum 10 min' }] });
    expect(checkSleepSafety(input({ node: { ...young, awakeSince: new Date(at.getTime() - 10 * 60_000) } })).allowed).toBe(true);
  });

  it('says a near miss in seconds', () => {
    const young = { ...input().node, awakeSince: new Date(at.getTime() - 18_500) };
    const verdict = checkSleepSafety(input({ node: young, settings: { ...input().settings, minAwakeMs: 20_000 } }));
    expect(verdict).toMatchObject({ refusals: [{ check: 'min-age', reason: 'node-7 has been awake 18 s, less than the minimum 20 s' }] });
  });

  it.each([
    ['the do-not-sleep annotation', pod({ annotations: { [DO_NOT_SLEEP_ANNOTATION]: 'true' } }), `has the annotation ${DO_NOT_SLEEP_ANNOTATION}`],
    ['a hostPath volume', pod({ volumes: ['hostPath'] }), 'uses local storage (hostPath)'],
    ['a local persistent volume', pod({ volumes: ['localPersistentVolume', 'other'] }), 'uses local storage (localPersistentVolume)'],
    ['an emptyDir volume', pod({ volumes: ['emptyDir'] }), 'uses local storage (emptyDir)'],
    ['no controller', pod({ ownerKinds: [] }), 'has no controller to recreate it elsewhere'],
  ])('refuses a pod that cannot move because of %s', (_why, unmovable, expected) => {
    const verdict = checkSleepSafety(input({ pods: [pod({ name: 'web-0' }), unmovable] }));
    expect(verdict).toEqual({ allowed: false, refusals: [{ check: 'unmovable-workload', reason: `pod shop/web-1 cannot move: it ${expected}` }] });
  });

  it('lets emptyDir and bare pods through when the operator says so, and honours do-not-sleep=false', () => {
    const settings = { ...DEFAULT_SAFETY_SETTINGS, emptyDirIsLocalStorage: false, barePodsBlockSleep: false };
    const pods = [pod({ volumes: ['emptyDir'], ownerKinds: [], annotations: { [DO_NOT_SLEEP_ANNOTATION]: 'false' } })];
    expect(checkSleepSafety(input({ pods, settings }))).toEqual({ allowed: true });
  });

  it('ignores DaemonSet, mirror and finished pods', () => {
    const stuck = { volumes: ['hostPath' as const], annotations: { [DO_NOT_SLEEP_ANNOTATION]: 'true' } };
    const pods = [
      pod({ ...stuck, ownerKinds: ['DaemonSet'] }),
      pod({ ...stuck, ownerKinds: [], annotations: { ...stuck.annotations, [MIRROR_POD_ANNOTATION]: 'abc' } }),
      pod({ ...stuck, phase: 'Succeeded' }),
    ];
    expect(checkSleepSafety(input({ pods }))).toEqual({ allowed: true });
  });

  describe('PodDisruptionBudget', () => {
    const pdb = (overrides: Partial<PdbFacts>): PdbFacts => ({ name: 'web', namespace: 'shop', selector: { matchLabels: { app: 'web' } }, disruptionsAllowed: 0, ...overrides });

    it('refuses when a budget with no disruption left covers a pod on the node', () => {
      expect(checkSleepSafety(input({ pdbs: [pdb({})] }))).toEqual({
        allowed: false,
        refusals: [{ check: 'disruption-budget', reason: 'PodDisruptionBudget shop/web allows no disruption and covers shop/web-1' }],
      });
    });

    it.each([
      ['a budget with disruptions left', pdb({ disruptionsAllowed: 1 })],
      ['another namespace', pdb({ namespace: 'other' })],
      ['labels that do not match', pdb({ selector: { matchLabels: { app: 'db' } } })],
      ['a null selector', pdb({ selector: null })],
      ['a NotIn expression that excludes the pod', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] } })],
      ['a DoesNotExist expression', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] } })],
      ['an Exists expression on a key no label has, named like an object property', pdb({ selector: { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] } })],
    ])('allows %s', (_why, budget) => {
      expect(checkSleepSafety(input({ pdbs: [budget] }))).toEqual({ allowed: true });
    });

    it.each([
      ['an empty selector', pdb({ selector: {} })],
      ['an In expression', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } })],
      ['an Exists expression', pdb({ selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } })],
    ])('matches pods through %s', (_why, budget) => {
      expect(checksRefused(checkSleepSafety(input({ pdbs: [budget] })))).toEqual(['disruption-budget']);
    });

    it('ignores a DaemonSet pod the budget covers', () => {
      expect(checkSleepSafety(input({ pods: [pod({ ownerKinds: ['DaemonSet'] })], pdbs: [pdb({})] }))).toEqual({ allowed: true });
    });
  });

  describe('headroom', () => {
    it('takes the larger of the absolute floor and the fraction of demand', () => {
      const settings = { ...DEFAULT_SAFETY_SETTINGS, headroom: { absolute: { cpu: 4, memoryMiB: 1024 }, fractionOfDemand: 0.5 } };
      expect(requiredHeadroom({ cpu: 4, memoryMiB: 10_000 }, settings)).toEqual({ cpu: 4, memoryMiB: 5_000 });
    });

    it('refuses when the awake fleet minus this node would fall below the fraction of demand', () => {
      // 24 awake - 8 this node - 16 demand = 0 spare cpu, below 10 % of 16.
      const fleet = { awake: { cpu: 24, memoryMiB: 262_144 }, demand: { cpu: 16, memoryMiB: 65_536 } };
      expect(checkSleepSafety(input({ fleet }))).toEqual({
        allowed: false,
        refusals: [{ check: 'headroom', reason: 'without node-7 the awake fleet would have 0 cores spare cpu, below the required 1.6' }],
      });
      expect(checkSleepSafety(input({ fleet: { ...fleet, awake: { ...fleet.awake, cpu: 25.6 } } }))).toEqual({ allowed: true });
    });

    it('refuses on memory and on the absolute floor with no demand at all', () => {
      const settings = { ...DEFAULT_SAFETY_SETTINGS, headroom: { absolute: { cpu: 2, memoryMiB: 4096 }, fractionOfDemand: 0 } };
      const fleet = { awake: { cpu: 10, memoryMiB: 34_816 }, demand: { cpu: 0, memoryMiB: 0 } };
      expect(checkSleepSafety(input({ fleet, settings }))).toEqual({
        allowed: false,
        refusals: [{ check: 'headroom', reason: 'without node-7 the awake fleet would have 2048 MiB spare memory, below the required 4096' }],
      });
    });
  });

  it('reports every refusal, not only the first', () => {
    const verdict = checkSleepSafety(
      input({
        node: { name: 'db-1', tier: 'critical', state: 'maintenance', awakeSince: at, capacity: { cpu: 64, memoryMiB: 262_144 } },
        pods: [pod({ volumes: ['hostPath'] })],
        pdbs: [{ name: 'web', namespace: 'shop', selector: {}, disruptionsAllowed: 0 }],
      }),
    );
    expect(checksRefused(verdict)).toEqual(['maintenance', 'critical-tier', 'min-age', 'unmovable-workload', 'disruption-budget', 'headroom', 'headroom']);
  });
});
