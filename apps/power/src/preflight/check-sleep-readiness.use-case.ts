// Whether a node can be put to sleep now, asked before anything is done to it: before the power service
// takes a suspend slot, and before lifecycle cordons or migrates anything (so a node that cannot be slept
// is never drained for nothing).
import type { Node } from '@somnus/contracts';
import type { PowerAction, PowerDriverRegistry } from '../drivers/power-driver.port';

export type SleepReadiness =
  | { readonly ready: true; readonly driver: string }
  | { readonly ready: false; readonly driver: string; readonly code: string; readonly reason: string };

export interface SleepReadinessDeps {
  readonly drivers: Pick<PowerDriverRegistry, 'resolve'>;
  /** How long a driver's check (an SSH handshake, a BMC login) may take. */
  readonly timeoutMs: number;
}

export class CheckSleepReadinessUseCase {
  constructor(private readonly deps: SleepReadinessDeps) {}

  /** A driver is installed and configured, its credentials are present, and its peer accepts them. */
  async execute(node: Node, action: Exclude<PowerAction, 'wake'>, commandId: string): Promise<SleepReadiness> {
    const resolved = this.deps.drivers.resolve(action, node);
    if (!resolved.ok) return { ready: false, driver: resolved.error.driverName, code: resolved.error.code, reason: resolved.error.message };
    const { driver } = resolved;
    if (!driver.preflight) return { ready: true, driver: driver.name };
    const signal = AbortSignal.timeout(this.deps.timeoutMs);
    try {
      const check = await driver.preflight(action, node, { commandId, attempt: 1, signal });
      return check.ready ? { ready: true, driver: driver.name } : { ready: false, driver: driver.name, code: check.code, reason: check.reason };
    } catch (error) {
      // Out of time: the peer may be slow, so the action decides. A check that broke refuses: nothing has
      // been done to the node yet, and asking again later is safe.
      return signal.aborted ? { ready: true, driver: driver.name } : { ready: false, driver: driver.name, code: 'preflight-failed', reason: `the ${driver.name} driver could not check node ${node.name}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
}
