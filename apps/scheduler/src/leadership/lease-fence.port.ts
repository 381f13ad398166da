import type { Tx } from '@somnus/persistence';

/**
 * Fencing for the leader's writes: checked inside the transaction that records decisions, so a replica that
 * lost its lease while paused cannot act, whatever it still believes.
 */
export interface LeaseFence {
  /** True when `holder` holds the unexpired lease, by the store's clock, within `tx`. */
  holds(tx: Tx, holder: string): Promise<boolean>;
}

export const LEASE_FENCE = Symbol('LEASE_FENCE');
