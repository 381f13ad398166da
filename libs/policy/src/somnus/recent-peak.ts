/**
 * The highest demand seen over a sliding window that may change length. Work on batch fleets comes in
 * chains (a user resubmits, a pipeline's next stage starts, a 64-node job follows the last one after a short
 * think time), so the room demand reached a while ago is a good guess for the room it will need again soon.
 * A monotone deque keeps the window's maximum at its front: O(1) amortised per sample. Samples older than
 * `retainMs` are dropped, so the window may grow up to that length without losing what it needs.
 */
export class RecentPeak {
  /** Ordered by time, demand strictly decreasing. */
  private readonly deque: Array<{ readonly at: number; readonly demand: number }> = [];

  constructor(private readonly retainMs: number) {}

  /** Demand at `now`; time must not go backwards. */
  observe(now: number, demand: number): void {
    const deque = this.deque;
    for (let last = deque.at(-1); last !== undefined && last.demand <= demand; last = deque.at(-1)) deque.pop();
    deque.push({ at: now, demand });
    // The newest sample always stays.
    for (let first = deque[0]; deque.length > 1 && first !== undefined && first.at < now - this.retainMs; first = deque[0]) deque.shift();
  }

  /** The highest demand seen in [now - windowMs, now] (0 before any sample). */
  peak(now: number, windowMs: number): number {
    const from = now - Math.min(windowMs, this.retainMs);
    // The deque is ordered by time with values decreasing: the first entry inside the window is its maximum.
    for (const sample of this.deque) if (sample.at >= from) return sample.demand;
    return 0;
  }
}
