/**
 * Learns, from the work seen so far, how much new work arrives within a short window (about one boot time)
 * at each hour of the week: for every hour it keeps the largest burst seen, and forecasts a quantile of the
 * same hour in past weeks, blended with the same hour of recent days. Nothing from the future, no clock.
 */
export interface ArrivalForecastOptions {
  /** Width of the burst window in ms (the time a woken node needs to be useful). */
  readonly windowMs: number;
  /** Quantile of past hourly bursts to cover, in [0, 1]. */
  readonly quantile: number;
  /** Past weeks kept per hour-of-week. */
  readonly weeks: number;
  /** Past days kept per hour-of-day. */
  readonly days: number;
}

const HOUR_MS = 3_600_000;
const HOURS_PER_WEEK = 168;

export class ArrivalForecast {
  private readonly recent: Array<{ at: number; size: number }> = [];
  private recentSum = 0;
  private hour = Number.NaN;
  private hourPeak = 0;
  private readonly byHourOfWeek: number[][] = Array.from({ length: HOURS_PER_WEEK }, () => []);
  private readonly byHourOfDay: number[][] = Array.from({ length: 24 }, () => []);
  private readonly cache = new Map<number, number>();

  constructor(private readonly options: ArrivalForecastOptions) {}

  /** Work of `size` node-equivalents arrived at `at` (epoch ms, never earlier than the previous call). */
  recordArrival(at: number, size: number): void {
    this.advanceTo(at);
    this.recent.push({ at, size });
    this.recentSum += size;
    while (this.recent.length > 0 && this.recent[0].at <= at - this.options.windowMs) this.recentSum -= this.recent.shift()!.size;
    this.hourPeak = Math.max(this.hourPeak, this.recentSum);
  }

  /** Moves time forward, closing the hours that have passed. */
  advanceTo(now: number): void {
    const hour = Math.floor(now / HOUR_MS);
    if (Number.isNaN(this.hour)) {
      this.hour = hour;
      return;
    }
    if (hour <= this.hour) return;
    // Close the current hour and every empty hour since; at most a few weeks of them are worth recording.
    const gap = Math.min(hour - this.hour, HOURS_PER_WEEK * this.options.weeks);
    for (let h = hour - gap; h < hour; h++) this.commit(h, h === this.hour ? this.hourPeak : 0);
    this.hour = hour;
    this.hourPeak = 0;
    this.cache.clear();
  }

  /** The burst to prepare for at `at` (quantile of past bursts in that hour), in node-equivalents. */
  burstAt(at: number): number {
    const hour = Math.floor(at / HOUR_MS);
    const cached = this.cache.get(hour);
    if (cached !== undefined) return cached;
    const samples = [...this.byHourOfWeek[hourOfWeek(hour)], ...this.byHourOfDay[hour % 24]];
    let value = 0;
    if (samples.length > 0) {
      samples.sort((a, b) => a - b);
      value = samples[Math.min(samples.length - 1, Math.floor(this.options.quantile * samples.length))];
    }
    // The hour in progress already shows its burst so far.
    if (hour === this.hour) value = Math.max(value, this.hourPeak);
    this.cache.set(hour, value);
    return value;
  }

  /** The largest burst to prepare for over [from, to]. */
  burstBetween(from: number, to: number): number {
    let peak = 0;
    for (let h = Math.floor(from / HOUR_MS); h <= Math.floor(to / HOUR_MS); h++) peak = Math.max(peak, this.burstAt(h * HOUR_MS));
    return peak;
  }

  private commit(hour: number, peak: number): void {
    push(this.byHourOfWeek[hourOfWeek(hour)], peak, this.options.weeks);
    push(this.byHourOfDay[hour % 24], peak, this.options.days);
  }
}

function hourOfWeek(hour: number): number {
  // Epoch hour 0 is a Thursday; any fixed offset keeps the weekly period, which is all that matters here.
  return hour % HOURS_PER_WEEK;
}

function push(ring: number[], value: number, max: number): void {
  ring.push(value);
  if (ring.length > max) ring.shift();
}
