// Rate limits on power actions, after Slurm's ResumeRate and SuspendRate (nodes per minute, default 300 and
// 60, 0 = unlimited), plus a cap on wakes in progress so a burst of demand cannot power on a whole rack at once
// (inrush current, DHCP and PXE storms). Time is passed in, so tests and replay need no real clock.

export type Admission = { readonly ok: true } | Refusal;

export interface Refusal {
  readonly ok: false;
  readonly reason: string;
  /** When trying again can succeed; null when it depends on something finishing (a wake in progress). */
  readonly retryAtMs: number | null;
}

/**
 * At most `limit` acquisitions in any `windowMs` (a sliding log of at most `limit` timestamps, so memory is
 * bounded by the limit). `limit = 0` means unlimited.
 */
export class SlidingWindowLimiter {
  private readonly stamps: number[] = [];

  constructor(
    private readonly description: string,
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(limit) || limit < 0) throw new Error(`${description}: limit must be a whole number, 0 for unlimited`);
    if (!(windowMs > 0)) throw new Error(`${description}: window must be positive`);
  }

  /** Would `tryAcquire()` succeed now? Takes nothing. */
  check(): Admission {
    if (this.limit === 0) return { ok: true };
    const now = this.now();
    while (this.stamps.length > 0 && this.stamps[0]! <= now - this.windowMs) this.stamps.shift();
    if (this.stamps.length < this.limit) return { ok: true };
    const retryAtMs = this.stamps[0]! + this.windowMs;
    const seconds = Math.ceil((retryAtMs - now) / 1000);
    return { ok: false, reason: `${this.description} limit reached (${this.limit} per ${this.windowMs / 1000} s); next slot in ${seconds} s`, retryAtMs };
  }

  tryAcquire(): Admission {
    const admission = this.check();
    if (admission.ok && this.limit > 0) this.stamps.push(this.now());
    return admission;
  }

  /** Acquisitions in the current window. */
  get used(): number {
    this.check();
    return this.stamps.length;
  }
}

export type Slot = { readonly ok: true; release(): void } | Refusal;

/** At most `max` holders at once; `release()` is idempotent. `max = 0` means unlimited. */
export class ConcurrencyLimiter {
  private holders = 0;

  constructor(
    private readonly description: string,
    readonly max: number,
  ) {
    if (!Number.isInteger(max) || max < 0) throw new Error(`${description}: max must be a whole number, 0 for unlimited`);
  }

  get inUse(): number {
    return this.holders;
  }

  check(): Admission {
    if (this.max === 0 || this.holders < this.max) return { ok: true };
    return { ok: false, reason: `${this.description} limit reached (${this.holders} of ${this.max} in progress); retry when one finishes`, retryAtMs: null };
  }

  tryAcquire(): Slot {
    const admission = this.check();
    if (!admission.ok) return admission;
    this.holders += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.holders -= 1;
      },
    };
  }
}

export interface PowerRateLimitSettings {
  /** Nodes woken per minute (Slurm ResumeRate). */
  readonly resumesPerMinute: number;
  /** Nodes put to sleep or powered off per minute (Slurm SuspendRate). */
  readonly suspendsPerMinute: number;
  /** Wakes in progress (sent, not yet verified or given up). */
  readonly concurrentWakes: number;
}

export const DEFAULT_POWER_RATE_LIMITS: PowerRateLimitSettings = { resumesPerMinute: 300, suspendsPerMinute: 60, concurrentWakes: 20 };

/** The power service's limits together. A refusal takes nothing: no slot is held and no rate is used up. */
export class PowerRateLimits {
  readonly resumes: SlidingWindowLimiter;
  readonly suspends: SlidingWindowLimiter;
  readonly wakesInProgress: ConcurrencyLimiter;

  constructor(settings: Partial<PowerRateLimitSettings>, now: () => number) {
    const s = { ...DEFAULT_POWER_RATE_LIMITS, ...settings };
    this.resumes = new SlidingWindowLimiter('resume rate', s.resumesPerMinute, 60_000, now);
    this.suspends = new SlidingWindowLimiter('suspend rate', s.suspendsPerMinute, 60_000, now);
    this.wakesInProgress = new ConcurrencyLimiter('concurrent wakes', s.concurrentWakes);
  }

  /** One wake (all its retries included): a resume from the rate and a slot held until `release()`. */
  tryAcquireWake(): Slot {
    const concurrency = this.wakesInProgress.check();
    if (!concurrency.ok) return concurrency;
    const rate = this.resumes.tryAcquire();
    if (!rate.ok) return rate;
    return this.wakesInProgress.tryAcquire();
  }

  tryAcquireSleep(): Admission {
    return this.suspends.tryAcquire();
  }
}
