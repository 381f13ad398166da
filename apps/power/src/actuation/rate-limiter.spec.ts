import fc from 'fast-check';
import { ConcurrencyLimiter, PowerRateLimits, SlidingWindowLimiter } from './rate-limiter';

describe('SlidingWindowLimiter', () => {
  it('admits up to the limit per window, then says when the next slot opens', () => {
    let now = 1_000_000;
    const limiter = new SlidingWindowLimiter('suspend rate', 3, 60_000, () => now);
    expect(limiter.tryAcquire().ok).toBe(true);
    now += 10_000;
    expect(limiter.tryAcquire().ok).toBe(true);
    expect(limiter.tryAcquire().ok).toBe(true);
    const refusal = limiter.tryAcquire();
    expect(refusal).toEqual({ ok: false, reason: expect.stringContaining('suspend rate limit reached (3 per 60 s)'), retryAtMs: 1_060_000 });

    now = 1_059_999;
    expect(limiter.tryAcquire().ok).toBe(false);
    now = 1_060_000;
    expect(limiter.tryAcquire().ok).toBe(true);
    expect(limiter.tryAcquire().ok).toBe(false);
  });

  it('treats 0 as unlimited, like Slurm', () => {
    const limiter = new SlidingWindowLimiter('resume rate', 0, 60_000, () => 0);
    for (let i = 0; i < 1_000; i++) expect(limiter.tryAcquire().ok).toBe(true);
  });

  it('never admits more than the limit in any window (random arrival times)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 200 }), (limit, gaps) => {
        let now = 0;
        const limiter = new SlidingWindowLimiter('test', limit, 10_000, () => now);
        const admitted: number[] = [];
        for (const gap of gaps) {
          now += gap;
          const admission = limiter.tryAcquire();
          if (admission.ok) admitted.push(now);
          else expect(admission.retryAtMs).toBeGreaterThan(now);
        }
        for (let i = limit; i < admitted.length; i++) expect(admitted[i]! - admitted[i - limit]!).toBeGreaterThanOrEqual(10_000);
      }),
    );
  });
});

describe('ConcurrencyLimiter', () => {
  it('holds at most max and frees a slot on release, once', () => {
    const limiter = new ConcurrencyLimiter('concurrent wakes', 2);
    const a = limiter.tryAcquire();
    const b = limiter.tryAcquire();
    const c = limiter.tryAcquire();
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
    if (!c.ok) expect(c).toMatchObject({ retryAtMs: null, reason: expect.stringContaining('2 of 2 in progress') });
    if (a.ok) {
      a.release();
      a.release();
    }
    expect(limiter.inUse).toBe(1);
    expect(limiter.tryAcquire().ok).toBe(true);
    expect(limiter.tryAcquire().ok).toBe(false);
  });
});

describe('PowerRateLimits', () => {
  it("defaults to Slurm's 300 resumes and 60 suspends per minute", () => {
    const limits = new PowerRateLimits({ concurrentWakes: 0 }, () => 0);
    let resumes = 0;
    let suspends = 0;
    for (let i = 0; i < 400; i++) {
      if (limits.tryAcquireWake().ok) resumes += 1;
      if (limits.tryAcquireSleep().ok) suspends += 1;
    }
    expect([resumes, suspends]).toEqual([300, 60]);
  });

  it('does not use up the resume rate when the concurrency cap refuses', () => {
    const limits = new PowerRateLimits({ resumesPerMinute: 5, concurrentWakes: 1 }, () => 0);
    const first = limits.tryAcquireWake();
    expect(first.ok).toBe(true);
    for (let i = 0; i < 10; i++) expect(limits.tryAcquireWake().ok).toBe(false);
    expect(limits.resumes.used).toBe(1);
    if (first.ok) first.release();
    expect(limits.tryAcquireWake().ok).toBe(true);
  });
});
