/**
 * A clock for unit tests: it moves only when told to, and sleeping moves it forward at once (recorded).
 * Shaped like `Clock` of @somnus/runtime (checked where it is passed in): importing it here would make a
 * cycle, since runtime's own tests import this library.
 */
export class FakeClock {
  readonly sleeps: number[] = [];

  constructor(private current = Date.parse('2025-03-03T08:00:00Z')) {}

  now(): number {
    return this.current;
  }

  /** The current time as a Date, for code that records timestamps. */
  date(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current += ms;
  }

  set(epochMs: number): void {
    this.current = epochMs;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.current += Math.max(0, ms);
    await Promise.resolve();
  }
}
