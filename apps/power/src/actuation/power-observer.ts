// What the use-cases report while they act, for the service to turn into events (node-waking per attempt,
// node-woke, node-wake-failed, node-sleeping, node-slept, node-sleep-failed, action-refused). Callbacks are
// awaited in order; one that throws is reported to `onObserverError` and does not stop the action, so a node
// is never left half-way because an event could not be written.
import type { Node } from '@somnus/contracts';
import { PowerAction } from '../drivers/power-driver.port';

export interface PowerRefusal {
  readonly commandId: string;
  readonly node: Node;
  readonly action: PowerAction;
  readonly reason: string;
  /** When trying again can succeed (a rate limit); null when unknown or never. */
  readonly retryAtMs: number | null;
}

export type ObserverErrorHandler = (error: unknown, callback: string) => void;

/** Calls one observer callback, isolating its failure. */
export async function notify<E>(callback: ((event: E) => void | Promise<void>) | undefined, event: E, name: string, onError?: ObserverErrorHandler): Promise<void> {
  if (!callback) return;
  try {
    await callback(event);
  } catch (error) {
    onError?.(error, name);
  }
}
