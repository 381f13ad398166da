/** Where the service reads the time; tests inject one they can move. */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('LIFECYCLE_CLOCK');

export const systemClock: Clock = { now: () => new Date() };
