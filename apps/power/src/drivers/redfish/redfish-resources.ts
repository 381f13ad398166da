// Reading Redfish documents: pure functions over parsed JSON, no I/O, so each rule is unit-tested on its own.
// Property names are those of the DMTF schemas (ServiceRoot, ComputerSystem, ActionInfo, Power, Thermal,
// EnvironmentMetrics, ThermalMetrics, PowerSupplyMetrics) and DSP0266 (error responses).
import type { ReportedPowerState, TemperatureKind } from '../power-driver.port';

export type RedfishDocument = { readonly [key: string]: unknown };

/** What the driver asks the BMC to do, in the operator's words. */
export type RedfishIntent = 'on' | 'graceful-off' | 'force-off' | 'cycle';

/** ResetType values in order of preference; PushPowerButton stands in for On and GracefulShutdown only. */
export const RESET_PREFERENCES: Readonly<Record<RedfishIntent, readonly string[]>> = {
  on: ['On', 'ForceOn', 'PushPowerButton'],
  'graceful-off': ['GracefulShutdown', 'PushPowerButton'],
  'force-off': ['ForceOff'],
  cycle: ['PowerCycle', 'ForceRestart'],
};

export function isDocument(value: unknown): value is RedfishDocument {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function field(document: unknown, name: string): unknown {
  return isDocument(document) ? document[name] : undefined;
}

/** `{"@odata.id": "..."}` -> the path, if it is one. */
export function linkOf(value: unknown): string | undefined {
  const id = field(value, '@odata.id');
  return typeof id === 'string' && id.startsWith('/') ? id : undefined;
}

/** The links of a collection's `Members` (or any array of links), in order. */
export function linksOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map(linkOf).filter((link): link is string => link !== undefined);
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Where to log in: `Links.Sessions`, else `SessionService` -> `Sessions` (needs one more GET: returned as `via`). */
export function sessionsLink(root: RedfishDocument): { readonly sessions: string } | { readonly via: string } | null {
  const direct = linkOf(field(root['Links'], 'Sessions'));
  if (direct) return { sessions: direct };
  const service = linkOf(root['SessionService']);
  return service ? { via: service } : null;
}

export interface ResetAction {
  readonly target: string;
  /** Inline `ResetType@Redfish.AllowableValues`, when given. */
  readonly allowable?: readonly string[];
  /** `@Redfish.ActionInfo`, when the values are advertised there instead. */
  readonly actionInfo?: string;
}

export function resetActionOf(system: RedfishDocument): ResetAction | undefined {
  const action = field(system['Actions'], '#ComputerSystem.Reset');
  const target = field(action, 'target');
  if (typeof target !== 'string' || !target.startsWith('/')) return undefined;
  const allowable = strings(field(action, 'ResetType@Redfish.AllowableValues'));
  const info = field(action, '@Redfish.ActionInfo');
  return { target, ...(allowable ? { allowable } : {}), ...(typeof info === 'string' && info.startsWith('/') ? { actionInfo: info } : {}) };
}

/** `Parameters[Name=ResetType].AllowableValues` of an ActionInfo resource. */
export function allowableFromActionInfo(info: RedfishDocument): readonly string[] | undefined {
  const parameters = info['Parameters'];
  if (!Array.isArray(parameters)) return undefined;
  const resetType = parameters.find((p) => field(p, 'Name') === 'ResetType');
  return strings(field(resetType, 'AllowableValues'));
}

export type ResetChoice = { readonly ok: true; readonly resetType: string } | { readonly ok: false; readonly reason: string };

/**
 * The first preferred ResetType the BMC allows. When it advertises no list at all the first preference is
 * sent (DSP0266 leaves the annotation optional) and the BMC's answer decides.
 */
export function chooseResetType(intent: RedfishIntent, allowable: readonly string[] | undefined): ResetChoice {
  const preferred = RESET_PREFERENCES[intent];
  if (allowable === undefined) {
    const first = preferred[0];
    return first ? { ok: true, resetType: first } : { ok: false, reason: `no ResetType is known for ${intent}` };
  }
  const chosen = preferred.find((value) => allowable.includes(value));
  if (chosen) return { ok: true, resetType: chosen };
  return { ok: false, reason: `the BMC allows ResetType ${allowable.join(', ') || '(none)'}, none of ${preferred.join(', ')}` };
}

/**
 * `PowerState` in the port's words: On and Paused (powered, CPU halted) are `on`, Off is `off`; PoweringOn,
 * PoweringOff, a missing or unknown value are `unknown`, so that a transition is never taken for its end.
 */
export function reportedPowerState(powerState: unknown): ReportedPowerState {
  if (powerState === 'On' || powerState === 'Paused') return 'on';
  if (powerState === 'Off') return 'off';
  return 'unknown';
}

export type SystemPick = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly reason: string };

export interface SystemIdentity {
  readonly path: string;
  readonly id?: string;
  readonly hostName?: string;
  readonly uuid?: string;
}

export function identityOf(path: string, system: RedfishDocument): SystemIdentity {
  const text = (name: string): string | undefined => (typeof system[name] === 'string' ? (system[name] as string) : undefined);
  const id = text('Id');
  const hostName = text('HostName');
  const uuid = text('UUID');
  return { path, ...(id ? { id } : {}), ...(hostName ? { hostName } : {}), ...(uuid ? { uuid } : {}) };
}

/**
 * The system to act on: the one whose Id, HostName or UUID equals `wanted` (case-insensitive), else the only
 * one when nothing was asked for by name. `wanted` set explicitly must match, even with one system.
 */
export function pickSystem(systems: readonly SystemIdentity[], wanted: { readonly value: string; readonly explicit: boolean }): SystemPick {
  const target = wanted.value.toLowerCase();
  const matches = systems.filter((s) => [s.id, s.hostName, s.uuid].some((v) => v !== undefined && v.toLowerCase() === target));
  const only = matches[0];
  if (matches.length === 1 && only) return { ok: true, path: only.path };
  const listed = systems.map((s) => `${s.id ?? s.path}${s.hostName ? ` (${s.hostName})` : ''}`).join(', ');
  if (matches.length > 1) return { ok: false, reason: `several systems match "${wanted.value}": ${listed}` };
  const single = systems[0];
  if (systems.length === 1 && single && !wanted.explicit) return { ok: true, path: single.path };
  if (systems.length === 0) return { ok: false, reason: 'the BMC lists no system under /redfish/v1/Systems' };
  return { ok: false, reason: `no system has Id, HostName or UUID "${wanted.value}" (the BMC has ${listed})` };
}

/** The Redfish error body's messages: `error.@Message.ExtendedInfo[].Message`, else `error.message`. */
export function redfishErrorMessages(body: unknown): string | undefined {
  const error = field(body, 'error');
  const extended = field(error, '@Message.ExtendedInfo');
  const messages = Array.isArray(extended) ? extended.map((m) => field(m, 'Message')).filter((m): m is string => typeof m === 'string' && m.trim() !== '') : [];
  if (messages.length > 0) return clip(messages.join('; '));
  const message = field(error, 'message');
  return typeof message === 'string' && message.trim() ? clip(message) : undefined;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 297)}...` : flat;
}

export interface Temperature {
  readonly name: string;
  readonly kind: TemperatureKind;
  readonly celsius: number;
}

/** PhysicalContext (or a device name) -> the port's kind: Intake/Room -> inlet, CPU -> cpu, the rest other. */
export function temperatureKind(context: unknown, name: string): TemperatureKind {
  const said = typeof context === 'string' ? context : '';
  if (said === 'Intake' || said === 'Room') return 'inlet';
  if (said === 'CPU' || said === 'CPUSubsystem') return 'cpu';
  if (said) return 'other';
  if (/intake|inlet|ambient/i.test(name)) return 'inlet';
  if (/\bcpu\d*\b|processor/i.test(name)) return 'cpu';
  return 'other';
}

/** `PowerControl[0].PowerConsumedWatts` of the legacy Power resource. */
export function wattsFromPower(power: RedfishDocument): number | undefined {
  const controls = power['PowerControl'];
  return Array.isArray(controls) ? numberOf(field(controls[0], 'PowerConsumedWatts')) : undefined;
}

/** `PowerWatts.Reading` of EnvironmentMetrics. */
export function wattsFromEnvironment(environment: RedfishDocument): number | undefined {
  return numberOf(field(environment['PowerWatts'], 'Reading'));
}

/** `InputPowerWatts.Reading` of one PowerSupplyMetrics. */
export function wattsFromSupplyMetrics(metrics: RedfishDocument): number | undefined {
  return numberOf(field(metrics['InputPowerWatts'], 'Reading'));
}

/** `Temperatures[]` of the legacy Thermal resource; sensors without a reading (Disabled) are left out. */
export function temperaturesFromThermal(thermal: RedfishDocument): Temperature[] {
  const entries = thermal['Temperatures'];
  if (!Array.isArray(entries)) return [];
  const readings: Temperature[] = [];
  for (const entry of entries) {
    const celsius = numberOf(field(entry, 'ReadingCelsius'));
    if (celsius === undefined) continue;
    const named = field(entry, 'Name');
    const name = typeof named === 'string' ? named : `Temperature ${readings.length + 1}`;
    readings.push({ name, kind: temperatureKind(field(entry, 'PhysicalContext'), name), celsius });
  }
  return readings;
}

/** `TemperatureReadingsCelsius[]` of ThermalMetrics, plus the summary's Intake when no reading is an inlet. */
export function temperaturesFromThermalMetrics(metrics: RedfishDocument): Temperature[] {
  const readings: Temperature[] = [];
  const entries = metrics['TemperatureReadingsCelsius'];
  if (Array.isArray(entries)) {
    for (const entry of entries) {
      const celsius = numberOf(field(entry, 'Reading'));
      if (celsius === undefined) continue;
      const device = field(entry, 'DeviceName');
      const name = typeof device === 'string' ? device : `Temperature ${readings.length + 1}`;
      readings.push({ name, kind: temperatureKind(field(entry, 'PhysicalContext'), name), celsius });
    }
  }
  const intake = numberOf(field(field(metrics['TemperatureSummaryCelsius'], 'Intake'), 'Reading'));
  if (intake !== undefined && !readings.some((r) => r.kind === 'inlet')) readings.push({ name: 'Intake', kind: 'inlet', celsius: intake });
  return readings;
}
