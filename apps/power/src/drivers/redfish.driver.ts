/**
 * Redfish driver (`node.driver.wake` / `driver.sleep` = `redfish`, `node.bmc.protocol = redfish`): powers a
 * machine on, shuts it down gracefully, forces it off or cycles it through its BMC's Redfish service, and
 * reads the power state, wall watts and temperatures the BMC measures.
 *
 * Every call is one short conversation (redfish/redfish-client.ts): GET /redfish/v1, log in (POST to the
 * SessionService's Sessions, keep X-Auth-Token), follow links to the ComputerSystem (Systems -> Members; never
 * a vendor path), do the work, DELETE the session. HTTP basic auth is used only when the driver is built with
 * `allowBasicAuth` and the service has no SessionService.
 *
 * Actions are `#ComputerSystem.Reset` POSTed to the `target` the system advertises, with a ResetType picked
 * from those it allows (inline `ResetType@Redfish.AllowableValues`, or its `@Redfish.ActionInfo`):
 *   wake -> On (ForceOn, PushPowerButton)   sleep -> GracefulShutdown (PushPowerButton)
 *   powerOff -> ForceOff                    powerCycle -> PowerCycle (ForceRestart)
 * A machine the BMC already reports in the wanted state is left alone (PushPowerButton would toggle it).
 * Whether the action took effect is the actuation layer's job: it reads `powerState` back.
 *
 * TLS is verified by default; see redfish/redfish-transport.ts for the CA bundle, the pin and `insecure`.
 * The password (`bmc.credentialRef`) and the CA bundle (`bmc.tls.caRef`) come from the SecretStore.
 */
import type { Node } from '@somnus/contracts';
import { Clock, systemClock } from '@somnus/runtime';
import {
  DriverContext,
  DriverResult,
  HardwareReadings,
  HardwareReadingsResult,
  PowerAction,
  PowerDriver,
  PowerStateResult,
  SupportCheck,
} from './power-driver.port';
import { SecretStore } from './secret-store';
import { RedfishClient } from './redfish/redfish-client';
import { RedfishError } from './redfish/redfish-errors';
import {
  RedfishDocument,
  RedfishIntent,
  SystemIdentity,
  Temperature,
  allowableFromActionInfo,
  chooseResetType,
  identityOf,
  linkOf,
  linksOf,
  pickSystem,
  reportedPowerState,
  resetActionOf,
  temperaturesFromThermal,
  temperaturesFromThermalMetrics,
  wattsFromEnvironment,
  wattsFromPower,
  wattsFromSupplyMetrics,
} from './redfish/redfish-resources';
import { RedfishEndpoint, normaliseSha256 } from './redfish/redfish-transport';

export { RedfishError, REDFISH_ERROR_CODES } from './redfish/redfish-errors';
export type { RedfishErrorCode } from './redfish/redfish-errors';

/**
 * A node label naming the ComputerSystem (its Id, HostName or UUID) when its BMC manages several; without it
 * the node's name is tried, and a BMC with one system needs nothing.
 */
export const REDFISH_SYSTEM_LABEL = 'redfish.somnus.io/system';

export interface RedfishDriverOptions {
  readonly secrets: SecretStore;
  /** Each HTTP exchange (connect, TLS, answer); default 10 s. */
  readonly requestTimeoutMs?: number;
  /** Retries of a 5xx or 429 answer within one call; default 3. */
  readonly retries?: number;
  /** Wait before the first retry, doubling up to `retryMaxMs`; defaults 500 ms and 10 s. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** The longest `Retry-After` honoured; a BMC asking for more fails the call now. Default 30 s. */
  readonly maxRetryAfterMs?: number;
  /** Use HTTP basic auth with BMCs that have no SessionService. Default false: such a BMC is refused. */
  readonly allowBasicAuth?: boolean;
  /** Body read at most per answer; default 1 MiB. */
  readonly maxResponseBytes?: number;
  readonly clock?: Clock;
  readonly random?: () => number;
}

type Preflight = { readonly ready: true } | { readonly ready: false; readonly reason: string; readonly code: string };

interface Conversation {
  readonly client: RedfishClient;
  readonly systemPath: string;
  readonly system: RedfishDocument;
}

/** Members read at most when looking for a system, or chassis when looking for sensors. */
const MAX_MEMBERS = 64;
const MAX_CHASSIS = 4;

export class RedfishPowerDriver implements PowerDriver {
  readonly name = 'redfish';
  private readonly requestTimeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly allowBasicAuth: boolean;
  private readonly maxResponseBytes: number;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: RedfishDriverOptions) {
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.allowBasicAuth = options.allowBasicAuth ?? false;
    this.maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
  }

  supports(_action: PowerAction, node: Node): SupportCheck {
    if (!node.bmc) return { supported: false, reason: 'the node has no bmc settings: set bmc.protocol = redfish, bmc.address, bmc.username and bmc.credentialRef' };
    if (node.bmc.protocol !== 'redfish') return { supported: false, reason: `the node's BMC speaks ${node.bmc.protocol}, not redfish (bmc.protocol)` };
    return { supported: true };
  }

  wake(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.reset('on', node, ctx);
  }

  sleep(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.reset('graceful-off', node, ctx);
  }

  powerOff(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.reset('force-off', node, ctx);
  }

  powerCycle(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.reset('cycle', node, ctx);
  }

  /** The system's `PowerState`: On/Paused -> on, Off -> off, PoweringOn/PoweringOff/absent -> unknown. */
  async powerState(node: Node, ctx: DriverContext): Promise<PowerStateResult> {
    try {
      const raw = await this.converse(node, ctx, async ({ system }) => system['PowerState']);
      return { ok: true, driver: this.name, state: reportedPowerState(raw), detail: `PowerState ${typeof raw === 'string' ? raw : 'not reported'}` };
    } catch (error) {
      const typed = asRedfishError(error);
      return { ok: false, driver: this.name, reason: typed.message, error: typed };
    }
  }

  /**
   * Watts: EnvironmentMetrics `PowerWatts.Reading`, else the legacy Power `PowerControl[0].PowerConsumedWatts`,
   * else the sum of PowerSubsystem supplies' `InputPowerWatts`. Temperatures: ThermalSubsystem/ThermalMetrics
   * `TemperatureReadingsCelsius`, else the legacy Thermal `Temperatures[]`. From the system's `Links.Chassis`.
   */
  async readHardware(node: Node, ctx: DriverContext): Promise<HardwareReadingsResult> {
    try {
      const readings = await this.converse(node, ctx, ({ client, system }) => this.readings(client, system));
      return { ok: true, driver: this.name, readings };
    } catch (error) {
      const typed = asRedfishError(error);
      return { ok: false, driver: this.name, reason: typed.message, error: typed };
    }
  }

  /** A login and a GET of the system, then logout: credentials, reachability, TLS trust and the system. */
  async preflight(action: PowerAction, node: Node, ctx: DriverContext): Promise<Preflight> {
    const support = this.supports(action, node);
    if (!support.supported) return { ready: false, reason: support.reason, code: 'redfish-not-configured' };
    try {
      await this.converse(node, ctx, async () => undefined);
      return { ready: true };
    } catch (error) {
      const typed = asRedfishError(error);
      return { ready: false, reason: typed.message, code: typed.code };
    }
  }

  private async reset(intent: RedfishIntent, node: Node, ctx: DriverContext): Promise<DriverResult> {
    try {
      const detail = await this.converse(node, ctx, async ({ client, systemPath, system }) => {
        const label = `${client.label}, system ${String(system['Id'] ?? systemPath)}`;
        const state = reportedPowerState(system['PowerState']);
        if (intent === 'on' && state === 'on') return `${label} already reports PowerState On; no reset sent`;
        if ((intent === 'graceful-off' || intent === 'force-off') && state === 'off') return `${label} already reports PowerState Off; no reset sent`;
        const action = resetActionOf(system);
        if (!action) throw new RedfishError('redfish-reset-not-allowed', `${label} advertises no #ComputerSystem.Reset action`, false);
        const allowable = action.allowable ?? (action.actionInfo ? allowableFromActionInfo(await client.get(action.actionInfo)) : undefined);
        const choice = chooseResetType(intent, allowable);
        if (!choice.ok) throw new RedfishError('redfish-reset-not-allowed', `${label} cannot ${describe(intent)}: ${choice.reason}`, false);
        const answer = await client.post(action.target, { ResetType: choice.resetType });
        if (answer.status < 200 || answer.status >= 300) {
          throw new RedfishError('redfish-reset-not-allowed', `${label} refused ResetType ${choice.resetType} (${client.said(answer)})`, false, answer.status);
        }
        return `ResetType ${choice.resetType} accepted by ${label} (HTTP ${answer.status})`;
      });
      return { ok: true, driver: this.name, detail };
    } catch (error) {
      const typed = asRedfishError(error);
      return { ok: false, driver: this.name, reason: typed.message, error: typed };
    }
  }

  /** Logs in, finds the system, runs `work`, and always deletes the session. */
  private async converse<T>(node: Node, ctx: DriverContext, work: (conversation: Conversation) => Promise<T>): Promise<T> {
    const bmc = node.bmc;
    if (!bmc || bmc.protocol !== 'redfish') throw new RedfishError('redfish-not-configured', `node ${node.name} has no Redfish BMC settings (bmc.protocol = redfish, bmc.address)`, false);
    const scheme = bmc.scheme ?? 'https';
    const port = bmc.port ?? (scheme === 'https' ? 443 : 80);
    const label = `node ${node.name}'s BMC at ${scheme}://${bmc.address}:${port}`;
    if (!bmc.username || !bmc.credentialRef) {
      throw new RedfishError('redfish-credential-missing', `${label} has no ${bmc.username ? 'bmc.credentialRef' : 'bmc.username'}: set bmc.username and bmc.credentialRef (the name of the password's secret)`, false);
    }
    const password = await this.options.secrets.read(bmc.credentialRef);
    if (!password.found) throw new RedfishError('redfish-credential-missing', `the BMC password of node ${node.name} is missing: ${password.reason}`, false);
    let ca: Buffer | undefined;
    if (bmc.tls?.caRef) {
      const bundle = await this.options.secrets.read(bmc.tls.caRef);
      if (!bundle.found) throw new RedfishError('redfish-tls-untrusted', `the CA bundle for node ${node.name}'s BMC (bmc.tls.caRef) is missing: ${bundle.reason}`, false);
      ca = bundle.value;
    }
    const endpoint: RedfishEndpoint = {
      scheme,
      host: bmc.address,
      port,
      tls: { insecure: bmc.tls?.insecure ?? false, ...(ca ? { ca } : {}), ...(bmc.tls?.pinnedSha256 ? { pinnedSha256: normaliseSha256(bmc.tls.pinnedSha256) } : {}) },
    };
    const client = new RedfishClient(
      endpoint,
      label,
      {
        timeoutMs: this.requestTimeoutMs,
        retries: this.retries,
        retryBaseMs: this.retryBaseMs,
        retryMaxMs: this.retryMaxMs,
        maxRetryAfterMs: this.maxRetryAfterMs,
        maxResponseBytes: this.maxResponseBytes,
        clock: this.clock,
        random: this.random,
      },
      ctx.signal,
    );
    const root = await client.serviceRoot();
    await client.login(root, bmc.username, password.value.toString('utf8'), this.allowBasicAuth);
    try {
      const { path, document } = await this.findSystem(client, root, node);
      return await work({ client, systemPath: path, system: document });
    } finally {
      await client.logout();
    }
  }

  private async findSystem(client: RedfishClient, root: RedfishDocument, node: Node): Promise<{ path: string; document: RedfishDocument }> {
    const systemsPath = linkOf(root['Systems']);
    if (!systemsPath) throw new RedfishError('redfish-no-system', `${client.label} has no Systems collection in its service root`, false);
    const members = linksOf((await client.get(systemsPath))['Members']).slice(0, MAX_MEMBERS);
    const labelled = node.labels[REDFISH_SYSTEM_LABEL];
    const wanted = labelled ? { value: labelled, explicit: true } : { value: node.name, explicit: false };
    const only = members[0];
    if (members.length === 1 && only && !wanted.explicit) return { path: only, document: await client.get(only) };
    const documents = new Map<string, RedfishDocument>();
    const identities: SystemIdentity[] = [];
    for (const member of members) {
      const document = await client.get(member);
      documents.set(member, document);
      identities.push(identityOf(member, document));
    }
    const pick = pickSystem(identities, wanted);
    const document = pick.ok ? documents.get(pick.path) : undefined;
    if (!pick.ok || !document) {
      const reason = pick.ok ? 'the chosen system vanished' : pick.reason;
      throw new RedfishError('redfish-no-system', `${client.label}: ${reason}; set the node label ${REDFISH_SYSTEM_LABEL} to the system's Id, HostName or UUID`, false);
    }
    return { path: pick.path, document };
  }

  private async readings(client: RedfishClient, system: RedfishDocument): Promise<HardwareReadings> {
    const links = system['Links'];
    const chassisLinks = linksOf(links !== null && typeof links === 'object' ? (links as Record<string, unknown>)['Chassis'] : undefined).slice(0, MAX_CHASSIS);
    let watts: number | undefined;
    let temperatures: Temperature[] = [];
    for (const chassisPath of chassisLinks) {
      const chassis = await client.get(chassisPath);
      watts ??= await this.watts(client, chassis);
      if (temperatures.length === 0) temperatures = await this.temperatures(client, chassis);
      if (watts !== undefined && temperatures.length > 0) break;
    }
    return { ...(watts === undefined ? {} : { watts }), temperatures };
  }

  private async watts(client: RedfishClient, chassis: RedfishDocument): Promise<number | undefined> {
    const environment = await optional(client, linkOf(chassis['EnvironmentMetrics']));
    const fromEnvironment = environment && wattsFromEnvironment(environment);
    if (fromEnvironment !== undefined) return fromEnvironment;
    const power = await optional(client, linkOf(chassis['Power']));
    const fromPower = power && wattsFromPower(power);
    if (fromPower !== undefined) return fromPower;
    const subsystem = await optional(client, linkOf(chassis['PowerSubsystem']));
    const supplies = subsystem && (await optional(client, linkOf(subsystem['PowerSupplies'])));
    if (!supplies) return undefined;
    let total: number | undefined;
    for (const supplyPath of linksOf(supplies['Members']).slice(0, MAX_MEMBERS)) {
      const supply = await optional(client, supplyPath);
      const metrics = supply && (await optional(client, linkOf(supply['Metrics'])));
      const input = metrics && wattsFromSupplyMetrics(metrics);
      if (input !== undefined) total = (total ?? 0) + input;
    }
    return total;
  }

  private async temperatures(client: RedfishClient, chassis: RedfishDocument): Promise<Temperature[]> {
    const subsystem = await optional(client, linkOf(chassis['ThermalSubsystem']));
    const metrics = subsystem && (await optional(client, linkOf(subsystem['ThermalMetrics'])));
    if (metrics) {
      const readings = temperaturesFromThermalMetrics(metrics);
      if (readings.length > 0) return readings;
    }
    const thermal = await optional(client, linkOf(chassis['Thermal']));
    return thermal ? temperaturesFromThermal(thermal) : [];
  }
}

/** A linked resource that may be missing: absent link or 404 -> undefined; other failures stand. */
async function optional(client: RedfishClient, path: string | undefined): Promise<RedfishDocument | undefined> {
  if (!path) return undefined;
  try {
    return await client.get(path);
  } catch (error) {
    if (error instanceof RedfishError && error.code === 'redfish-bad-response' && error.status === 404) return undefined;
    throw error;
  }
}

function describe(intent: RedfishIntent): string {
  return { on: 'power on', 'graceful-off': 'shut down gracefully', 'force-off': 'force off', cycle: 'power cycle' }[intent];
}

function asRedfishError(error: unknown): RedfishError {
  if (error instanceof RedfishError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new RedfishError('redfish-bad-response', `the Redfish conversation failed unexpectedly: ${why}`, true);
}
