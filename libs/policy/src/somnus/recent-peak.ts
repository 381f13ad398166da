/**
 * The highest demand seen over a sliding window that may change length. Work on batch fleets comes in
 * chains (a user resubmits, a pipeline's next stage starts, a 64-node job follows the last one after a short
 * think time), so the room demand reached a while ago is a good guess for the room it will need again soon.
 * A monotone deque keeps the window's maximum at its front: O(1) amortised per sample. Samples older than
 * `retainMs` are dropped, so the window may grow up to that length without losing what it needs.
 */
export class RecentPeak {
  private readonly times: number[] = [];
  private readonly values: number[] = [];

  constructor(private readonly retainMs: number) {}

  /** Demand at `now`; time must not go backwards. */
  observe(now: number, demand: number): void {
    while (this.values.length > 0 && this.values[this.values.length - 1] <= demand) {
      this.values.pop();
      this.times.pop();
    }
    this.times.push(now);
    this.values.push(demand);
    while (this.times.length > 1 && this.times[0] < now - this.retainMs) {
      this.times.shift();
      this.values.shift();
    }
  }

  /** The highest demand seen in [now - windowMs, now] (0 before any sample). */
  peak(now: number, windowMs: number): number {
    const from = now - Math.min(windowMs, this.retainMs);
    // The deque is ordered by time with values decreasing: the first entry inside the window is its maximum.
    for (let i = 0; i < this.times.length; i++) if (this.times[i] >= from) return this.values[i];
    return 0;
  }
}
