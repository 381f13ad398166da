/**
 * Learns, from what it has seen so far, how far demand climbs within a short window (about one boot time)
 * when new work arrives, by hour of the week. For every arrival it records the rise: demand now minus the
 * lowest demand over the window before. Free room equal to the q-quantile of those rises lets a share q of
 * arrivals start without waiting for a boot, which is what the wait target is about. Rises, not arrival
 * sizes: a job that takes over the nodes its predecessor just freed needs no extra room.
 * Deterministic, no clock: time only comes in as arguments and must not go backwards.
 */
export interface DemandForecastOptions {
  /** Width of the window in ms (the time a woken node needs to become useful). */
  readonly windowMs: number;
  /** Share of arrivals the forecast should cover, in [0, 1]. */
  readonly quantile: number;
  /** How long samples count for the same hour of the week, and for the same hour of the day. */
  readonly weeks: number;
  readonly days: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;
const MAX_SAMPLES_PER_BUCKET = 1024;

interface Sample {
  readonly at: number;
  readonly rise: number;
}

import { at } from '@somnus/contracts';

export class DemandForecast {
  /** Monotone deque of (time, demand) holding the window's minimum at its front. */
  private readonly minimum: Array<{ readonly at: number; readonly demand: number }> = [];
  private readonly byHourOfWeek: Sample[][] = Array.from({ length: 168 }, () => []);
  private readonly byHourOfDay: Sample[][] = Array.from({ length: 24 }, () => []);
  private readonly cache = new Map<number, number>();
  private cacheHour = Number.NaN;

  constructor(private readonly options: DemandForecastOptions) {}

  /** Demand (node-equivalents, running and waiting) at `now`, and how many new workloads arrived since the last call. */
  observe(now: number, demand: number, arrivals: number): void {
    const minimum = this.minimum;
    for (let last = minimum.at(-1); last !== undefined && last.demand >= demand; last = minimum.at(-1)) minimum.pop();
    minimum.push({ at: now, demand });
    // The newest sample always stays, so the front below is never empty.
    for (let first = minimum[0]; minimum.length > 1 && first !== undefined && first.at < now - this.options.windowMs; first = minimum[0]) minimum.shift();
    if (arrivals <= 0) return;
    const rise = Math.max(0, demand - at(minimum, 0, 'window minimum').demand);
    const hour = Math.floor(now / HOUR_MS);
    const ofWeek = this.bucket(this.byHourOfWeek, hour % 168);
    const ofDay = this.bucket(this.byHourOfDay, hour % 24);
    for (let k = 0; k < arrivals; k++) {
      this.add(ofWeek, { at: now, rise }, now - this.options.weeks * WEEK_MS);
      this.add(ofDay, { at: now, rise }, now - this.options.days * DAY_MS);
    }
  }

  /** Free room to hold at `time` so that the chosen share of arrivals that hour do not wait. */
  riseAt(time: number, now: number): number {
    const nowHour = Math.floor(now / HOUR_MS);
    if (nowHour !== this.cacheHour) {
      this.cache.clear();
      this.cacheHour = nowHour;
    }
    const hour = Math.floor(time / HOUR_MS);
    const cached = this.cache.get(hour);
    if (cached !== undefined) return cached;
    const weekFrom = now - this.options.weeks * WEEK_MS;
    const dayFrom = now - this.options.days * DAY_MS;
    const values: number[] = [];
    for (const s of this.bucket(this.byHourOfWeek, hour % 168)) if (s.at >= weekFrom) values.push(s.rise);
    for (const s of this.bucket(this.byHourOfDay, hour % 24)) if (s.at >= dayFrom) values.push(s.rise);
    let value = 0;
    if (values.length > 0) {
      values.sort((a, b) => a - b);
      value = at(values, Math.min(values.length - 1, Math.floor(this.options.quantile * values.length)), 'forecast quantile');
    }
    this.cache.set(hour, value);
    return value;
  }

  /** The largest room to hold over [from, to]. */
  riseBetween(from: number, to: number, now: number): number {
    let peak = 0;
    for (let h = Math.floor(from / HOUR_MS); h <= Math.floor(to / HOUR_MS); h++) peak = Math.max(peak, this.riseAt(h * HOUR_MS, now));
    return peak;
  }

  /** Time only comes in as epoch ms, so hours are never negative and every bucket exists. */
  private bucket(buckets: Sample[][], index: number): Sample[] {
    return at(buckets, index, 'forecast hour bucket (time before 1970?)');
  }

  private add(ring: Sample[], sample: Sample, expireBefore: number): void {
    ring.push(sample);
    for (let first = ring[0]; first !== undefined && (first.at < expireBefore || ring.length > MAX_SAMPLES_PER_BUCKET); first = ring[0]) ring.shift();
  }
}
