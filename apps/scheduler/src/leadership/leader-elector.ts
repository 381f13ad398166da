import type { LeaderLeaseStore } from './leader-lease.port';

export interface LeaderElectorOptions {
  holder: string;
  leaseMs: number;
  renewMs: number;
  /** Monotonic milliseconds, for how long ago the last renewal succeeded. */
  monotonicNow?: () => number;
  onElected?: () => void;
  onDeposed?: (why: string) => void;
  onError?: (error: unknown) => void;
}

/**
 * Keeps this replica's claim on the lease: tries to take it every `renewMs` while following, renews it as
 * often while leading. A leader that cannot renew steps down on its own before its lease can have expired
 * (after `leaseMs - renewMs` without a successful renewal), so two replicas never decide at once even when
 * the database is unreachable from one of them.
 */
export class LeaderElector {
  private leading = false;
  private lastRenewedAt = Number.NEGATIVE_INFINITY;
  private timer?: NodeJS.Timeout;
  private attempt?: Promise<void>;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly lease: LeaderLeaseStore,
    private readonly options: LeaderElectorOptions,
  ) {
    this.now = options.monotonicNow ?? (() => performance.now());
  }

  /** Leading, and the lease taken at the last renewal has not run out (a paused process is not a leader). */
  get isLeader(): boolean {
    return this.leading && this.now() - this.lastRenewedAt < this.options.leaseMs;
  }

  get holder(): string {
    return this.options.holder;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** One round: take or renew the lease, or step down. Public so tests can drive it without timers. */
  async round(): Promise<void> {
    if (this.attempt) return this.attempt;
    this.attempt = (async () => {
      const startedAt = this.now();
      let held = false;
      let failure: unknown;
      try {
        held = await this.lease.tryAcquire(this.options.holder, this.options.leaseMs);
      } catch (error) {
        failure = error;
        this.options.onError?.(error);
      }
      if (this.stopped) return;
      if (held) {
        // The lease runs from when the store answered, which is after we asked: count from the ask.
        this.lastRenewedAt = startedAt;
        if (!this.leading) {
          this.leading = true;
          this.options.onElected?.();
        }
      } else if (this.leading) {
        if (failure === undefined) this.stepDown('another replica holds the lease');
        else if (this.now() - this.lastRenewedAt >= this.options.leaseMs - this.options.renewMs) {
          this.stepDown(`could not renew the lease for ${Math.round(this.now() - this.lastRenewedAt)} ms`);
        }
      }
    })().finally(() => {
      this.attempt = undefined;
    });
    return this.attempt;
  }

  /** Stops campaigning; a leader gives its lease up so a follower takes over at its next round. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.attempt?.catch(() => undefined);
    const wasLeading = this.leading;
    if (wasLeading) this.stepDown('shutting down');
    if (wasLeading && options.release !== false) await this.lease.release(this.options.holder).catch((error: unknown) => this.options.onError?.(error));
  }

  private stepDown(why: string): void {
    this.leading = false;
    this.options.onDeposed?.(why);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.round().finally(() => this.schedule(this.options.renewMs));
    }, delayMs);
    this.timer.unref();
  }
}
