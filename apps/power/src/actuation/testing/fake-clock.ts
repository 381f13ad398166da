// A clock for unit tests: sleeping moves time forward at once and is recorded.
import { ActuationClock } from '../clock';

export class FakeClock implements ActuationClock {
  readonly sleeps: number[] = [];

  constructor(private current = Date.parse('2025-03-03T08:00:00Z')) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
    await Promise.resolve();
  }
}
