/**
 * The one port every power driver implements (Wake-on-LAN, SSH, later IPMI, Redfish, cloud start/stop), and
 * the registry that picks a node's driver from its `driver` settings in the catalogue.
 *
 * Drivers only *send* an action; whether it took effect (the node answers, or stops answering) is the
 * actuation layer's job (see ../actuation). A driver never throws for an expected failure: it returns a
 * `DriverResult` whose `error` is a typed `PowerDriverError`, so the service can record the exact cause
 * (for example a `HostKeyMismatchError` with both fingerprints).
 */
import type { Node } from '@somnus/contracts';

export const POWER_ACTIONS = ['wake', 'sleep', 'power-off'] as const;
export type PowerAction = (typeof POWER_ACTIONS)[number];

/** What a driver is told about the action it carries out. */
export interface DriverContext {
  /** The command being carried out, for correlation in the driver's own diagnostics. */
  readonly commandId: string;
  /** 1 for the first try, then 2, 3, ... when the actuation layer retries. */
  readonly attempt: number;
  /** Aborts a long action (an SSH session, a packet train) when the service shuts down. */
  readonly signal?: AbortSignal;
}

/** Base of every failure a driver reports. `code` is stable and safe to record; `message` is for operators. */
export class PowerDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** False when trying again cannot help (a changed host key, a missing key, a malformed MAC). */
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type DriverResult =
  | { readonly ok: true; readonly driver: string; readonly detail: string }
  | { readonly ok: false; readonly driver: string; readonly reason: string; readonly error: PowerDriverError };

export type SupportCheck = { readonly supported: true } | { readonly supported: false; readonly reason: string };

/** What a BMC (or a smart plug) says about the machine's power, read rather than inferred. */
export type ReportedPowerState = 'on' | 'off' | 'unknown';

export type PowerStateResult =
  | { readonly ok: true; readonly driver: string; readonly state: ReportedPowerState; readonly detail?: string }
  | { readonly ok: false; readonly driver: string; readonly reason: string; readonly error: PowerDriverError };

export type TemperatureKind = 'inlet' | 'cpu' | 'other';

/** One reading of the hardware's own sensors. Absent fields mean the hardware does not report them. */
export interface HardwareReadings {
  /** Instantaneous wall power, as the BMC measures it (Redfish PowerConsumedWatts, IPMI DCMI power reading). */
  readonly watts?: number;
  readonly temperatures: readonly { readonly name: string; readonly kind: TemperatureKind; readonly celsius: number }[];
}

export type HardwareReadingsResult =
  | { readonly ok: true; readonly driver: string; readonly readings: HardwareReadings }
  | { readonly ok: false; readonly driver: string; readonly reason: string; readonly error: PowerDriverError };

export interface PowerDriver {
  /** The name operators write in `node.driver` (`wol`, `ssh`, `ipmi`, ...). */
  readonly name: string;
  /** Whether this driver can carry out `action` on `node` with the settings it has, and if not, why. */
  supports(action: PowerAction, node: Node): SupportCheck;
  wake?(node: Node, ctx: DriverContext): Promise<DriverResult>;
  sleep?(node: Node, ctx: DriverContext): Promise<DriverResult>;
  powerOff?(node: Node, ctx: DriverContext): Promise<DriverResult>;
  /** Power off and on again, when an operator asks for it. */
  powerCycle?(node: Node, ctx: DriverContext): Promise<DriverResult>;
  /** The power state the hardware reports (BMC drivers); drivers that cannot read it leave this out. */
  powerState?(node: Node, ctx: DriverContext): Promise<PowerStateResult>;
  /** Measured watts and temperatures (BMC drivers). */
  readHardware?(node: Node, ctx: DriverContext): Promise<HardwareReadingsResult>;
  /**
   * Whether the action can be carried out now, without carrying it out: the credentials are present and the
   * peer answers (an SSH handshake with the pinned host key, a BMC login). Used before a drain so that a
   * node that cannot be put to sleep is never drained for nothing. Leave it out when `supports` says all.
   */
  preflight?(action: PowerAction, node: Node, ctx: DriverContext): Promise<{ readonly ready: true } | { readonly ready: false; readonly reason: string; readonly code: string }>;
}

/** Injection token for the list of installed drivers (`PowerDriver[]`), for the service's module to provide. */
export const POWER_DRIVERS = Symbol('POWER_DRIVERS');

/** The node's settings asked for something this service cannot do; the message says what and how to fix it. */
export class DriverNotAvailableError extends PowerDriverError {
  constructor(
    readonly nodeName: string,
    readonly action: PowerAction,
    readonly driverName: string,
    message: string,
  ) {
    super('driver-not-available', message, false);
  }
}

/** The driver name a node's settings ask for, for one action. `null` means the operator chose `none`. */
export function driverNameFor(action: PowerAction, node: Node): string | null {
  if (action === 'wake') return node.driver.wake === 'none' ? null : node.driver.wake;
  switch (node.driver.sleep) {
    case 'none':
      return null;
    case 'ssh-suspend':
    case 'ssh-poweroff':
      return 'ssh';
    default:
      return node.driver.sleep;
  }
}

function settingName(action: PowerAction): string {
  return action === 'wake' ? 'driver.wake' : 'driver.sleep';
}

export type ResolvedDriver = { readonly ok: true; readonly driver: PowerDriver } | { readonly ok: false; readonly error: DriverNotAvailableError };

/** Picks the driver for an action from the node's settings, with a clear refusal when there is none. */
export class PowerDriverRegistry {
  private readonly byName = new Map<string, PowerDriver>();

  constructor(drivers: readonly PowerDriver[]) {
    for (const driver of drivers) {
      if (this.byName.has(driver.name)) throw new Error(`two power drivers are both named "${driver.name}"`);
      this.byName.set(driver.name, driver);
    }
  }

  get installed(): readonly string[] {
    return [...this.byName.keys()];
  }

  resolve(action: PowerAction, node: Node): ResolvedDriver {
    const wanted = driverNameFor(action, node);
    const refuse = (driverName: string, message: string): ResolvedDriver => ({
      ok: false,
      error: new DriverNotAvailableError(node.name, action, driverName, message),
    });
    if (wanted === null) {
      return refuse('none', `node ${node.name} has ${settingName(action)} = none: Somnus cannot ${action} it; set a driver in the catalogue to let it`);
    }
    const driver = this.byName.get(wanted);
    if (!driver) {
      const installed = this.installed.join(', ') || 'none';
      return refuse(
        wanted,
        `node ${node.name} asks for the "${wanted}" driver to ${action}, which this power service does not have (installed: ${installed})`,
      );
    }
    if (!actionOf(driver, action)) return refuse(wanted, `the "${wanted}" driver cannot ${action} a node; change ${settingName(action)} for node ${node.name}`);
    const support = driver.supports(action, node);
    if (!support.supported) return refuse(wanted, `the "${wanted}" driver cannot ${action} node ${node.name}: ${support.reason}`);
    return { ok: true, driver };
  }

  /** Resolves and carries out the action; a missing driver comes back as a failed result, never a throw. */
  async perform(action: PowerAction, node: Node, ctx: DriverContext): Promise<DriverResult> {
    const resolved = this.resolve(action, node);
    if (!resolved.ok) return { ok: false, driver: resolved.error.driverName, reason: resolved.error.message, error: resolved.error };
    const run = actionOf(resolved.driver, action);
    if (!run) throw new Error(`driver "${resolved.driver.name}" lost its ${action} action`); // resolve() checked it
    return run(node, ctx);
  }
}

function actionOf(driver: PowerDriver, action: PowerAction): ((node: Node, ctx: DriverContext) => Promise<DriverResult>) | undefined {
  const method = action === 'wake' ? driver.wake : action === 'sleep' ? driver.sleep : driver.powerOff;
  return method?.bind(driver);
}
