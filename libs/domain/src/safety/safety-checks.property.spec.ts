import fc from 'fast-check';
import { at as itemAt, LIFECYCLE_STATES, TIERS } from '@somnus/contracts';
import { checkSleepSafety, DEFAULT_SAFETY_SETTINGS, type NodeFacts, type Resources, type SafetySettings } from './safety-checks';

const at = new Date('2025-01-06T12:00:00Z');
const resourcesArb = (maxCpu: number, maxMemory: number) =>
  fc.record({ cpu: fc.integer({ min: 1, max: maxCpu }), memoryMiB: fc.integer({ min: 1, max: maxMemory }) });
const settingsArb: fc.Arbitrary<SafetySettings> = fc.record({
  minAwakeMs: fc.constant(0),
  headroom: fc.record({
    absolute: fc.record({ cpu: fc.integer({ min: 0, max: 16 }), memoryMiB: fc.integer({ min: 0, max: 65_536 }) }),
    fractionOfDemand: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
  emptyDirIsLocalStorage: fc.boolean(),
  barePodsBlockSleep: fc.boolean(),
});

const sum = (all: Resources[]): Resources => all.reduce((a, b) => ({ cpu: a.cpu + b.cpu, memoryMiB: a.memoryMiB + b.memoryMiB }), { cpu: 0, memoryMiB: 0 });

describe('safety properties', () => {
  it('never allows a sleep that leaves the awake fleet below the headroom, over any order of requests', () => {
    fc.assert(
      fc.property(
        fc.array(resourcesArb(64, 262_144), { minLength: 1, maxLength: 24 }),
        fc.array(fc.record({ node: fc.nat(), demandChange: fc.record({ cpu: fc.integer({ min: -8, max: 8 }), memoryMiB: fc.integer({ min: -8192, max: 8192 }) }) }), { maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        settingsArb,
        (capacities, requests, initialLoad, settings) => {
          const awake = new Set(capacities.keys());
          const total = sum(capacities);
          let demand = { cpu: Math.floor(total.cpu * initialLoad), memoryMiB: Math.floor(total.memoryMiB * initialLoad) };
          for (const { node: pick, demandChange } of requests) {
            demand = { cpu: Math.max(0, demand.cpu + demandChange.cpu), memoryMiB: Math.max(0, demand.memoryMiB + demandChange.memoryMiB) };
            const index = pick % capacities.length;
            if (!awake.has(index)) continue;
            const node: NodeFacts = { name: `n${index}`, tier: 'dev', state: 'idle', awakeSince: new Date(0), capacity: itemAt(capacities, index, 'capacity') };
            const fleet = { awake: sum([...awake].map((i) => itemAt(capacities, i, 'capacity'))), demand };
            const verdict = checkSleepSafety({ node, pods: [], pdbs: [], fleet, settings, at });
            if (!verdict.allowed) {
              expect(verdict.refusals.map((refusal) => refusal.check)).toEqual(expect.arrayContaining(['headroom']));
              continue;
            }
            awake.delete(index);
            // The oracle, written out independently of the code under test.
            const after = sum([...awake].map((i) => itemAt(capacities, i, 'capacity')));
            const { absolute, fractionOfDemand } = settings.headroom;
            expect(after.cpu - demand.cpu).toBeGreaterThanOrEqual(Math.max(absolute.cpu, fractionOfDemand * demand.cpu));
            expect(after.memoryMiB - demand.memoryMiB).toBeGreaterThanOrEqual(Math.max(absolute.memoryMiB, fractionOfDemand * demand.memoryMiB));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never allows sleeping a critical node or a node in maintenance, whoever asks and whatever else holds', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIERS),
        fc.constantFrom(...LIFECYCLE_STATES),
        fc.constantFrom('policy:somnus', 'system:x', 'alice'),
        fc.integer({ min: 0, max: 10 * 3_600_000 }),
        (tier, state, actor, awakeMs) => {
          const node: NodeFacts = { name: 'n', tier, state, awakeSince: new Date(at.getTime() - awakeMs), capacity: { cpu: 1, memoryMiB: 1 } };
          const fleet = { awake: { cpu: 1e6, memoryMiB: 1e9 }, demand: { cpu: 0, memoryMiB: 0 } };
          const verdict = checkSleepSafety({ node, pods: [], pdbs: [], fleet, settings: DEFAULT_SAFETY_SETTINGS, at, actor });
          if (tier === 'critical' || state === 'maintenance') expect(verdict.allowed).toBe(false);
          if (!verdict.allowed) for (const refusal of verdict.refusals) expect(refusal.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
