/**
 * A lease that at most one holder has at a time. `tryAcquire` takes it when it is free or expired, and
 * renews it when the caller already holds it; the store's own clock decides expiry, so holders' clocks
 * never need to agree.
 */
export interface LeaderLeaseStore {
  /** True when `holder` holds the lease for `durationMs` from now (the store's now). */
  tryAcquire(holder: string, durationMs: number): Promise<boolean>;
  /** Gives the lease up at once, if `holder` has it, so another replica need not wait for it to expire. */
  release(holder: string): Promise<void>;
  /** Who holds an unexpired lease, if anyone. */
  currentHolder(): Promise<string | undefined>;
}

export const LEADER_LEASE = Symbol('LEADER_LEASE');
