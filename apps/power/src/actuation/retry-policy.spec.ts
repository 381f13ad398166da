import fc from 'fast-check';
import { DEFAULT_WAKE_RETRY_POLICY, RetryPolicy, delayBeforeAttempt, nextRetry, retrySchedule, validateRetryPolicy } from './retry-policy';

describe('retry policy', () => {
  const policy: RetryPolicy = { maxAttempts: 6, baseDelayMs: 1_000, factor: 3, maxDelayMs: 20_000 };

  it('doubles (or multiplies by factor) from the base, capped', () => {
    expect(retrySchedule(policy)).toEqual([1_000, 3_000, 9_000, 20_000, 20_000]);
    expect(retrySchedule(DEFAULT_WAKE_RETRY_POLICY)).toEqual([5_000, 10_000]);
    expect(delayBeforeAttempt(policy, 1)).toBe(0);
  });

  it('stops after maxAttempts', () => {
    expect(nextRetry(policy, 1)).toEqual({ retry: true, attempt: 2, delayMs: 1_000 });
    expect(nextRetry(policy, 5)).toEqual({ retry: true, attempt: 6, delayMs: 20_000 });
    expect(nextRetry(policy, 6)).toEqual({ retry: false });
    expect(nextRetry({ ...policy, maxAttempts: 1 }, 1)).toEqual({ retry: false });
  });

  it('never shrinks, never exceeds the cap, and is the same every time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        (maxAttempts, baseDelayMs, factor, extra) => {
          const p = validateRetryPolicy({ maxAttempts, baseDelayMs, factor, maxDelayMs: baseDelayMs + extra });
          const schedule = retrySchedule(p);
          expect(schedule).toHaveLength(maxAttempts - 1);
          schedule.forEach((delay, i) => {
            expect(delay).toBeLessThanOrEqual(p.maxDelayMs);
            if (i > 0) expect(delay).toBeGreaterThanOrEqual(schedule[i - 1]!);
          });
          expect(retrySchedule(p)).toEqual(schedule);
        },
      ),
    );
  });

  it('rejects a policy that cannot work, saying why', () => {
    expect(() => validateRetryPolicy({ ...policy, maxAttempts: 0 })).toThrow('maxAttempts');
    expect(() => validateRetryPolicy({ ...policy, factor: 0.5 })).toThrow('factor');
    expect(() => validateRetryPolicy({ ...policy, maxDelayMs: 10 })).toThrow('maxDelayMs');
  });
});
