/**
 * What Somnus asks ipmitool to do and how it reads the answers: the fixed commands, the argument list, and
 * pure parsers for `chassis power status`, `dcmi power reading`, `sdr type Temperature` and ipmitool's error
 * output. No I/O here, so every branch is unit-tested against real ipmitool output (see ipmi.driver.spec.ts).
 *
 * The strings matched come from ipmitool 1.8.x (lib/ipmi_chassis.c, lib/ipmi_dcmi.c, lib/ipmi_sdr.c,
 * lib/ipmi_strings.c, src/plugins/lanplus/lanplus.c). ipmitool tells a wrong password from a silent BMC only
 * at `-v` (LOG_INFO), so power commands run with `-v`; `sdr` does not, because `-v` changes its format.
 */
import type { ReportedPowerState, TemperatureKind } from '../power-driver.port';
import { IpmiError } from './ipmi-errors';

/** Every ipmitool command the driver runs; no method takes a command string. */
export const IPMI_COMMANDS = {
  'power-on': ['chassis', 'power', 'on'],
  'power-soft': ['chassis', 'power', 'soft'],
  'power-off': ['chassis', 'power', 'off'],
  'power-cycle': ['chassis', 'power', 'cycle'],
  'power-status': ['chassis', 'power', 'status'],
  'dcmi-power-reading': ['dcmi', 'power', 'reading'],
  'sdr-temperature': ['sdr', 'type', 'Temperature'],
} as const satisfies Record<string, readonly string[]>;
export type IpmiCommand = keyof typeof IPMI_COMMANDS;

export const IPMI_PRIVILEGES = ['CALLBACK', 'USER', 'OPERATOR', 'ADMINISTRATOR'] as const;
export type IpmiPrivilege = (typeof IPMI_PRIVILEGES)[number];

/** Where and as whom ipmitool logs in. The password is not here: it travels in the child's environment. */
export interface IpmiSession {
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly cipherSuite: number;
  readonly privilege: IpmiPrivilege;
  /** ipmitool `-N`: seconds to wait for each lanplus reply. */
  readonly replyTimeoutSeconds: number;
  /** ipmitool `-R`: how often ipmitool resends an unanswered request. */
  readonly replyRetries: number;
}

/** The argument list, as Ironic and MAAS build it; `-E` makes ipmitool read IPMI_PASSWORD from its environment. */
export function ipmitoolArgs(session: IpmiSession, command: IpmiCommand): string[] {
  return [
    '-I', 'lanplus',
    '-H', session.address,
    '-p', String(session.port),
    '-U', session.username,
    '-C', String(session.cipherSuite),
    '-L', session.privilege,
    '-E',
    '-N', String(session.replyTimeoutSeconds),
    '-R', String(session.replyRetries),
    ...(verboseFor(command) ? ['-v'] : []),
    ...IPMI_COMMANDS[command],
  ];
}

/** `-v` is what makes ipmitool say why a session failed; `sdr` prints another format with it, so not there. */
export function verboseFor(command: IpmiCommand): boolean {
  return command !== 'sdr-temperature';
}

/** `Chassis Power is on` / `Chassis Power is off`; anything else is `unknown`, never a guess. */
export function parsePowerStatus(stdout: string): ReportedPowerState {
  const match = /^\s*Chassis Power is (on|off)\s*$/im.exec(stdout);
  if (!match?.[1]) return 'unknown';
  return match[1].toLowerCase() === 'on' ? 'on' : 'off';
}

/**
 * The instantaneous reading of `dcmi power reading`, in watts. `undefined` when the output has none or the
 * BMC says power reading is deactivated (it then reports 0 W, which is not a measurement).
 */
export function parseDcmiPowerReading(stdout: string): number | undefined {
  if (/Power reading state is:\s*deactivated/i.test(stdout)) return undefined;
  const match = /Instantaneous power reading:\s*(\d+(?:\.\d+)?)\s*Watts/i.exec(stdout);
  if (!match?.[1]) return undefined;
  const watts = Number(match[1]);
  return Number.isFinite(watts) ? watts : undefined;
}

/** DCMI failures that mean "this BMC does not offer a power reading", as opposed to a session that failed. */
export function dcmiUnsupported(stderr: string): boolean {
  const match = /DCMI request failed because: .*\((\w+)\)/i.exec(stderr);
  if (!match?.[1]) return false;
  // Busy, timeout, initialising or updating: the BMC may answer later, so that is a real failure.
  return !['c0', 'c3', 'ce', 'd1', 'd2'].includes(match[1].toLowerCase());
}

export interface TemperatureReading {
  readonly name: string;
  readonly kind: TemperatureKind;
  readonly celsius: number;
}

/**
 * `sdr type Temperature` lines, `name | 04h | ok | 7.1 | 22 degrees C` (ipmitool's extended list; older
 * releases leave out the entity column). Sensors with no reading (`ns`, `No Reading`, `Disabled`) are left out.
 */
export function parseTemperatureSdr(stdout: string): TemperatureReading[] {
  const readings: TemperatureReading[] = [];
  for (const line of stdout.split('\n')) {
    const columns = line.split('|').map((column) => column.trim());
    if (columns.length < 3) continue;
    const name = columns[0];
    const value = /^(-?\d+(?:\.\d+)?)\s+degrees\s+([CF])$/i.exec(columns[columns.length - 1] ?? '');
    if (!name || !value?.[1] || !value[2]) continue;
    const number = Number(value[1]);
    if (!Number.isFinite(number)) continue;
    const celsius = value[2].toUpperCase() === 'F' ? Math.round(((number - 32) * 5 * 10) / 9) / 10 : number;
    const entity = columns.length >= 5 ? columns[3] : undefined;
    readings.push({ name, kind: temperatureKind(name, entity), celsius });
  }
  return readings;
}

/** Inlet (the air the machine breathes), CPU, or other, by sensor name; the SDR entity id when the name is silent. */
export function temperatureKind(name: string, entity?: string): TemperatureKind {
  if (/inlet|intake|ambient|amb\b|front ?panel|fnt ?pnl|\bfp\b/i.test(name)) return 'inlet';
  if (/cpu|proc|socket|\bpkg\b|package|core|^p\d+\b/i.test(name)) return 'cpu';
  const entityId = entity ? Number(entity.split('.')[0]) : NaN;
  if (entityId === 3) return 'cpu'; // Processor
  if (entityId === 55 || entityId === 64) return 'inlet'; // Air inlet (IPMI 2.0, DCMI)
  return 'other';
}

/** Lines ipmitool prints on success too (at `-v`, or probing HPM/VSO support): never a reason for a failure. */
const NOISE = [
  /^Loading IANA PEN Registry/i,
  /^Get HPM\.x Capabilities request failed/i,
  /^Running Get VSO Capabilities/i,
  /^Invalid completion code received/i,
  /^Discovered IPMB address/i,
  /^Using best available cipher suite/i,
  /^SDRR successfully erased/i,
];

/** ipmitool's stderr without the lines that are not about this failure, the password removed, kept short. */
export function usefulStderr(stderr: string, secret?: string): string {
  const lines = scrub(stderr, secret)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !NOISE.some((noise) => noise.test(line)));
  return lines.join('; ').slice(0, 300);
}

/** Removes every occurrence of the secret; ipmitool should never echo it, this makes sure. */
export function scrub(text: string, secret?: string): string {
  if (!secret) return text;
  return text.split(secret).join('[redacted]');
}

/** What the failure is about, for messages. */
export interface FailureContext {
  readonly nodeName: string;
  readonly session: IpmiSession;
  readonly command: IpmiCommand;
  readonly credentialRef: string;
}

/** How one ipmitool run ended. */
export interface IpmitoolOutcome {
  readonly ended: 'exit' | 'timeout' | 'aborted' | 'spawn-failed';
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** `ENOENT`, `EACCES`, ... when the binary could not be started. */
  readonly spawnError?: string;
  /** The kill timer, for the timeout message. */
  readonly timeoutMs?: number;
}

/** Maps a failed run to a stable code and a message that says what to fix. `secret` is scrubbed from it. */
export function classifyFailure(outcome: IpmitoolOutcome, context: FailureContext, secret?: string, ipmitoolPath = 'ipmitool'): IpmiError {
  const { nodeName, session, command } = context;
  const bmc = `${session.address}:${session.port}`;
  const what = IPMI_COMMANDS[command].join(' ');
  if (outcome.ended === 'spawn-failed') {
    const cause = outcome.spawnError === 'ENOENT' ? 'not found' : (outcome.spawnError ?? 'cannot be started');
    return new IpmiError('ipmi-not-configured', `ipmitool (${ipmitoolPath}) ${cause}: install ipmitool on the power service's host or set its path`);
  }
  if (outcome.ended === 'aborted') return new IpmiError('ipmi-aborted', `node ${nodeName}: "${what}" was aborted (the power service is stopping)`);
  if (outcome.ended === 'timeout') {
    return new IpmiError('ipmi-timeout', `node ${nodeName}: "${what}" on BMC ${bmc} did not finish within ${outcome.timeoutMs ?? '?'} ms; check the BMC answers, or raise the IPMI command timeout`);
  }

  const detail = usefulStderr(outcome.stderr, secret);
  const has = (pattern: RegExp): boolean => pattern.test(detail);
  const login = `user ${session.username} (password from secret "${context.credentialRef}")`;

  if (has(/RAKP 2 HMAC is invalid|RAKP 4 message has invalid integrity check value|unauthorized name|invalid name length|Unable to read password/i)) {
    return new IpmiError('ipmi-auth-failed', `BMC ${bmc} of node ${nodeName} refused the login of ${login}: check bmc.username and the password in that secret`);
  }
  if (has(/invalid authentication algorithm|invalid integrity algorithm|invalid confidentiality algorithm|no matching (authentication|integrity)|no matching cipher suite|Unsupported cipher suite/i)) {
    return new IpmiError('ipmi-auth-failed', `BMC ${bmc} of node ${nodeName} does not accept cipher suite ${session.cipherSuite}: set bmc.ipmi.cipherSuite to one it supports (17 or 3 on most BMCs)`);
  }
  if (has(/unauthorized role requested|invalid role|Set Session Privilege Level to \w+ failed|Insufficient privilege level/i)) {
    return new IpmiError(
      'ipmi-auth-failed',
      `BMC ${bmc} of node ${nodeName} does not allow ${login} to run "${what}" at privilege ${session.privilege}: give the BMC user OPERATOR (or higher) and set bmc.ipmi.privilege to match`,
    );
  }
  if (has(/insufficient resources for (session|role)|Node busy|BMC initialization in progress|Device firm\w*ware in update mode|SDR Repository in update mode|Command response could not be provided|Cannot execute duplicated request/i)) {
    return new IpmiError('ipmi-bmc-busy', `BMC ${bmc} of node ${nodeName} is busy (${detail}); it will be tried again`);
  }
  if (has(/Address lookup for .* failed/i)) {
    return new IpmiError('ipmi-unreachable', `the BMC address ${session.address} of node ${nodeName} does not resolve: check bmc.address and DNS`);
  }
  if (has(/This BMC does not support IPMI v2/i)) {
    return new IpmiError('ipmi-command-failed', `BMC ${bmc} of node ${nodeName} does not speak IPMI 2.0 (lanplus): enable it on the BMC`);
  }
  if (has(/Get Auth Capabilities error|Error issuing Get Channel Authentication Capabilities|no response from RAKP|Could not open socket|Unable to establish IPMI v2 \/ RMCP\+ session/i)) {
    return new IpmiError(
      'ipmi-unreachable',
      `BMC ${bmc} of node ${nodeName} did not answer (no IPMI session): check bmc.address and bmc.port, that IPMI over LAN is enabled, and that UDP ${session.port} is open`,
    );
  }
  // The session worked but the reply to the command never came (lib/ipmi_chassis.c: "Unable to set/get ...").
  if (has(/Unable to (set|get) Chassis Power|No response from remote controller|\bTimeout\b/i)) {
    return new IpmiError('ipmi-timeout', `BMC ${bmc} of node ${nodeName} did not answer "${what}" in time; it may or may not have acted`);
  }
  const exit = outcome.exitCode === null ? 'no exit status' : `exit ${outcome.exitCode}`;
  return new IpmiError('ipmi-command-failed', `BMC ${bmc} of node ${nodeName} failed "${what}" (${exit})${detail ? `: ${detail}` : ''}`);
}
