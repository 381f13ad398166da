/**
 * The operator's service level, kept online: "at most this share of new work may wait for a node to boot".
 * Every new workload is a trial: it either found room on awake nodes or had to wait for a wake. The hold time
 * (how long Somnus keeps room for the recent peak of demand, see RecentPeak) is the lever: a longer hold keeps
 * more nodes awake and fewer arrivals wait. A stochastic-approximation step moves it after each trial, up
 * after a miss and down after a hit, weighted so that it settles where misses make up `budget` of the
 * arrivals (Robbins-Monro quantile tracking, in log space so the step is relative). No trace, clock or
 * future enters: the controller only counts what the policy has already seen.
 */
export interface WaitBudgetOptions {
  /** Share of arrivals allowed to wait for a boot, in (0, 1). */
  readonly budget: number;
  /** Bounds and start of the hold time, ms. */
  readonly minHoldMs: number;
  readonly maxHoldMs: number;
  readonly initialHoldMs: number;
  /** Step in log2 units per unit of error: a miss lengthens the hold by 2^(step x (1 - budget)). */
  readonly step: number;
}

export class WaitBudget {
  private logHold: number;
  private readonly logMin: number;
  private readonly logMax: number;
  private trials = 0;
  private misses = 0;

  constructor(private readonly options: WaitBudgetOptions) {
    if (!(options.budget > 0 && options.budget < 1)) throw new Error(`wait budget must be a share between 0 and 1 (exclusive), got ${options.budget}`);
    if (!(options.minHoldMs > 0 && options.minHoldMs <= options.initialHoldMs && options.initialHoldMs <= options.maxHoldMs)) {
      throw new Error('wait budget hold times must satisfy 0 < min <= initial <= max');
    }
    this.logMin = Math.log2(options.minHoldMs);
    this.logMax = Math.log2(options.maxHoldMs);
    this.logHold = Math.log2(options.initialHoldMs);
  }

  /** One new workload: `waited` when it could not start on awake nodes and needed a wake. */
  record(waited: boolean): void {
    this.trials++;
    if (waited) this.misses++;
    const error = (waited ? 1 : 0) - this.options.budget;
    this.logHold = Math.min(this.logMax, Math.max(this.logMin, this.logHold + this.options.step * error));
  }

  get holdMs(): number {
    return 2 ** this.logHold;
  }

  /** Share of arrivals so far that waited for a boot. */
  get missShare(): number {
    return this.trials > 0 ? this.misses / this.trials : 0;
  }
}
