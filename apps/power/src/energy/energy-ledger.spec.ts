import { EnergySampled } from '@somnus/contracts';
import { catalogueNode, FakeClock, FakeTransactions } from '@somnus/testing';
import { NodeDirectory } from '../nodes/node-directory';
import { FakeEnergySamples, FakePowerStates } from '../testing/fakes';
import { EnergyLedger } from './energy-ledger';

// Awake 100 W, asleep 5 W: round figures to integrate by hand.
const PROFILE = { idleWatts: 100, peakWatts: 200, sleepWatts: 5, bootSeconds: 60, suspendSeconds: 10 };
const SECOND = 1_000;

function setup() {
  const clock = new FakeClock();
  const directory = new NodeDirectory();
  const n1 = catalogueNode('n1', { powerProfile: PROFILE });
  directory.remember(n1);
  const states = new FakePowerStates();
  states.set(n1.id, 'on', clock.date());
  const samples = new FakeEnergySamples();
  const transactions = new FakeTransactions('somnus/power', () => clock.now());
  const ledger = new EnergyLedger(samples, transactions, { energySampleMs: 0 }, { clock }, directory, states);
  ledger.onApplicationBootstrap();
  return { clock, directory, n1, states, samples, transactions, ledger };
}

describe('EnergyLedger', () => {
  it('integrates the draw of each power state over the clock’s time, beside the always-on figure', async () => {
    const { clock, n1, states, samples, transactions, ledger } = setup();
    const start = clock.date();
    clock.advance(60 * SECOND); // on: 60 s x 100 W
    states.set(n1.id, 'off', clock.date());
    clock.advance(120 * SECOND); // off: 120 s x 5 W

    expect(await ledger.sampleNow()).toBe(1);
    expect(samples.rows).toEqual([{ nodeId: n1.id, from: start, to: clock.date(), joules: 6_600, alwaysOnJoules: 18_000, watts: 6_600 / 180, state: 'off' }]);
    expect(transactions.ofType(EnergySampled).map((e) => e.data)).toEqual([
      { nodeId: n1.id, from: start.toISOString(), to: clock.date().toISOString(), joules: 6_600, watts: 6_600 / 180 },
    ]);

    const totals = await ledger.totals();
    expect(totals).toMatchObject({ joules: 6_600, alwaysOnJoules: 18_000, savedJoules: 11_400, from: start.toISOString(), to: clock.date().toISOString() });
    expect(totals.savedPercent).toBeCloseTo((11_400 / 18_000) * 100, 9);
    expect(totals.nodes).toEqual([{ nodeId: n1.id, name: 'n1', powerState: 'off', joules: 6_600, alwaysOnJoules: 18_000, savedJoules: 11_400 }]);
  });

  it('counts energy not sampled yet in the current totals, and only sampled energy for a range that ends earlier', async () => {
    const { clock, ledger } = setup();
    clock.advance(10 * SECOND);
    await ledger.sampleNow(); // 1 000 J sampled
    const sampledAt = clock.date();
    clock.advance(5 * SECOND); // 500 J not sampled yet

    expect((await ledger.totals()).joules).toBe(1_500);
    expect((await ledger.totals({ to: sampledAt })).joules).toBe(1_000);
    expect((await ledger.totals({ to: new Date(sampledAt.getTime() - 1) })).joules).toBe(0);
  });

  it('writes nothing when no time has passed, and starts metering a node first seen at a sample', async () => {
    const { clock, directory, ledger, samples } = setup();
    expect(await ledger.sampleNow()).toBe(0);
    const late = catalogueNode('n2', { powerProfile: PROFILE });
    directory.remember(late);
    clock.advance(30 * SECOND);
    expect(await ledger.sampleNow()).toBe(1); // n1 only: n2's metering starts now
    clock.advance(30 * SECOND);
    expect(await ledger.sampleNow()).toBe(2);
    // n2 never reported a state: counted awake (unknown), so no saving is claimed for it.
    expect(samples.rows.filter((r) => r.nodeId === late.id).map((r) => [r.joules, r.alwaysOnJoules])).toEqual([[3_000, 3_000]]);
  });

  it('survives a sample that cannot be written: nothing published, and the next sample is written', async () => {
    const { clock, ledger, samples, transactions } = setup();
    clock.advance(10 * SECOND);
    samples.failNextInsert = new Error('connection terminated');
    await expect(ledger.sampleNow()).resolves.toBe(0);
    expect(transactions.published).toHaveLength(0);
    expect(transactions.rolledBack).toBe(1);
    clock.advance(10 * SECOND);
    expect(await ledger.sampleNow()).toBe(1);
    // The failed interval's energy is not written again: the meter had moved on before the write (as today).
    expect(samples.rows.map((r) => r.joules)).toEqual([1_000]);
  });

  it('forgets a node that left the catalogue', async () => {
    const { clock, directory, n1, ledger } = setup();
    clock.advance(10 * SECOND);
    directory.forget(n1.id);
    expect(await ledger.sampleNow()).toBe(0);
    expect((await ledger.totals()).nodes).toEqual([]);
  });
});
