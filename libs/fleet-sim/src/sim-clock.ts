import { performance } from 'node:perf_hooks';

/**
 * Simulated time runs `speed` times faster than wall time: a 151.5 s boot at speed 100 takes 1.5 s. Every
 * delay and every energy integral in the simulator goes through one clock so they stay consistent.
 */
export class SimClock {
  private readonly startedAt = performance.now();

  constructor(readonly speed = 1) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`speed must be a positive number, got ${speed}`);
  }

  /** Simulated seconds since the clock started. */
  nowSeconds(): number {
    return ((performance.now() - this.startedAt) / 1000) * this.speed;
  }

  /** Wall-clock milliseconds that a simulated duration takes. */
  realMs(simulatedSeconds: number): number {
    return (simulatedSeconds * 1000) / this.speed;
  }
}

/** Timers that can all be cancelled at once, so stopping the simulator leaves nothing running. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();

  after(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, Math.max(0, ms));
    this.timers.add(timer);
    return timer;
  }

  cancel(timer: NodeJS.Timeout | undefined): void {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
