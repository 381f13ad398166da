import { WaitBudget } from './wait-budget';

const H = 3_600_000;
const options = { budget: 0.05, minHoldMs: 60_000, maxHoldMs: 24 * H, initialHoldMs: H, step: 0.05 };

/** A small deterministic generator (LCG) so the trials are the same on every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('WaitBudget', () => {
  it('lengthens the hold after a miss and shortens it after a hit, weighted by the budget', () => {
    const budget = new WaitBudget(options);
    budget.record(true);
    expect(budget.holdMs).toBeCloseTo(H * 2 ** (0.05 * 0.95), 3);
    const afterMiss = budget.holdMs;
    budget.record(false);
    expect(budget.holdMs).toBeCloseTo(afterMiss * 2 ** (-0.05 * 0.05), 3);
  });

  it('stays between its bounds', () => {
    const budget = new WaitBudget(options);
    for (let i = 0; i < 5_000; i++) budget.record(true);
    expect(budget.holdMs).toBeCloseTo(24 * H, 0);
    for (let i = 0; i < 200_000; i++) budget.record(false);
    expect(budget.holdMs).toBeCloseTo(60_000, 0);
  });

  it('settles where misses make up the budget when a longer hold makes misses rarer', () => {
    // A world where an arrival waits with probability 0.5 / (1 + hold in hours): the budget of 5 % is met at a
    // hold of 9 h. Start far from it, at one hour.
    const budget = new WaitBudget(options);
    const random = lcg(42);
    let misses = 0;
    const trials = 40_000;
    for (let i = 0; i < trials; i++) {
      const missed = random() < 0.5 / (1 + budget.holdMs / H);
      budget.record(missed);
      if (i >= trials / 2 && missed) misses++;
    }
    expect(misses / (trials / 2)).toBeGreaterThan(0.04);
    expect(misses / (trials / 2)).toBeLessThan(0.06);
    expect(budget.holdMs / H).toBeGreaterThan(6);
    expect(budget.holdMs / H).toBeLessThan(13);
    expect(budget.missShare).toBeGreaterThan(0.04);
  });

  it('refuses a budget that is not a share, or hold bounds out of order', () => {
    expect(() => new WaitBudget({ ...options, budget: 0 })).toThrow(/between 0 and 1/);
    expect(() => new WaitBudget({ ...options, budget: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => new WaitBudget({ ...options, initialHoldMs: 48 * H })).toThrow(/min <= initial <= max/);
  });
});
