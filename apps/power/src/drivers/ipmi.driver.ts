/**
 * IPMI driver (`node.driver.wake = ipmi`, `node.driver.sleep = ipmi`): talks to the node's BMC over IPMI 2.0
 * (RMCP+, "lanplus") with ipmitool, as Ironic and MAAS do:
 *
 *   wake = `chassis power on`, sleep = `chassis power soft` (an ACPI request to shut down cleanly),
 *   powerOff = `chassis power off`, powerCycle = `chassis power cycle`, powerState = `chassis power status`,
 *   readHardware = `dcmi power reading` + `sdr type Temperature`, preflight = a `chassis power status`.
 *
 * The password is read from the `SecretStore` by `bmc.credentialRef` for each action and handed to ipmitool
 * as IPMI_PASSWORD in the child's environment (`-E`), never in its arguments, which any local user can read
 * in /proc/<pid>/cmdline. ipmitool runs without a shell, with a fixed argument list per action.
 *
 * Bounded: ipmitool's own reply timeout and resends (`-N`, `-R`), a kill timer per call, the caller's
 * AbortSignal, and a few retries for failures that can pass (unreachable, busy, timeout). A power cycle is
 * retried only when no session was opened, so a cycle that may have happened is never repeated.
 *
 * A BMC that accepts `power on` has not necessarily powered on: the caller checks with `powerState`, or the
 * actuation layer verifies the node answers.
 */
import type { Node } from '@somnus/contracts';
import {
  DriverContext,
  DriverResult,
  HardwareReadingsResult,
  PowerAction,
  PowerDriver,
  PowerStateResult,
  SupportCheck,
} from './power-driver.port';
import { SecretLookup, SecretStore } from './secret-store';
import { IpmiError, mayHaveReachedBmc } from './ipmi/ipmi-errors';
import {
  IPMI_COMMANDS,
  IpmiCommand,
  IpmiPrivilege,
  IpmiSession,
  IpmitoolOutcome,
  classifyFailure,
  dcmiUnsupported,
  ipmitoolArgs,
  parseDcmiPowerReading,
  parsePowerStatus,
  parseTemperatureSdr,
} from './ipmi/ipmitool-output';
import { runIpmitool } from './ipmi/ipmitool-process';

export interface IpmiDriverOptions {
  /** Where `bmc.credentialRef` passwords live (SOMNUS_SECRETS_DIR). */
  readonly secrets: SecretStore;
  /** The ipmitool binary; default `ipmitool` on PATH. */
  readonly ipmitoolPath?: string;
  /** ipmitool `-N`: seconds per lanplus reply; default 2. */
  readonly replyTimeoutSeconds?: number;
  /** ipmitool `-R`: resends of an unanswered request; default 2. */
  readonly replyRetries?: number;
  /** Kill timer per ipmitool run; default 30 s. Must exceed `-N` x (`-R` + 1) so ipmitool can say why first. */
  readonly commandTimeoutMs?: number;
  /** Runs per action when the failure can pass (unreachable, busy, timeout); default 3. */
  readonly attempts?: number;
  /** Wait before the 2nd run, doubled after that; default 1 s. */
  readonly retryDelayMs?: number;
  /** Output kept per stream; default 64 KiB. */
  readonly maxOutputBytes?: number;
  /** Sees each ipmitool child's pid (diagnostics, and the test that checks /proc/<pid>/cmdline). */
  readonly onSpawn?: (pid: number, command: IpmiCommand) => void;
}

const DEFAULTS = { replyTimeoutSeconds: 2, replyRetries: 2, commandTimeoutMs: 30_000, attempts: 3, retryDelayMs: 1_000, maxOutputBytes: 64 * 1024 } as const;
/** IPMI 2.0 limits (user name 16 bytes; RMCP+ password 20 bytes): ipmitool refuses or truncates beyond them. */
const MAX_USERNAME_BYTES = 16;
const MAX_PASSWORD_BYTES = 20;

/** A successful ipmitool run, or the classified failure together with the run (readHardware inspects it). */
type Call =
  | { readonly ok: true; readonly stdout: string; readonly attempts: number }
  | { readonly ok: false; readonly error: IpmiError; readonly outcome?: IpmitoolOutcome };

interface Target {
  readonly session: IpmiSession;
  readonly credentialRef: string;
}

export class IpmiPowerDriver implements PowerDriver {
  readonly name = 'ipmi';
  private readonly ipmitoolPath: string;
  private readonly replyTimeoutSeconds: number;
  private readonly replyRetries: number;
  private readonly commandTimeoutMs: number;
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly maxOutputBytes: number;

  constructor(private readonly options: IpmiDriverOptions) {
    this.ipmitoolPath = options.ipmitoolPath ?? 'ipmitool';
    this.replyTimeoutSeconds = wholeNumber('replyTimeoutSeconds', options.replyTimeoutSeconds ?? DEFAULTS.replyTimeoutSeconds, 1);
    this.replyRetries = wholeNumber('replyRetries', options.replyRetries ?? DEFAULTS.replyRetries, 0);
    this.commandTimeoutMs = wholeNumber('commandTimeoutMs', options.commandTimeoutMs ?? DEFAULTS.commandTimeoutMs, 1);
    this.attempts = wholeNumber('attempts', options.attempts ?? DEFAULTS.attempts, 1);
    this.retryDelayMs = wholeNumber('retryDelayMs', options.retryDelayMs ?? DEFAULTS.retryDelayMs, 0);
    this.maxOutputBytes = wholeNumber('maxOutputBytes', options.maxOutputBytes ?? DEFAULTS.maxOutputBytes, 1024);
    if (!this.ipmitoolPath.trim()) throw new Error('the IPMI driver needs an ipmitool path (default "ipmitool")');
  }

  supports(_action: PowerAction, node: Node): SupportCheck {
    const problem = settingsProblem(node);
    return problem ? { supported: false, reason: problem } : { supported: true };
  }

  wake(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act(node, 'power-on', ctx);
  }

  /** Graceful: the BMC asks the operating system to shut down (ACPI soft-off), as `driver.sleep = ipmi` means. */
  sleep(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act(node, 'power-soft', ctx);
  }

  powerOff(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act(node, 'power-off', ctx);
  }

  powerCycle(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act(node, 'power-cycle', ctx);
  }

  async powerState(node: Node, ctx: DriverContext): Promise<PowerStateResult> {
    const call = await this.call(node, 'power-status', ctx);
    if (!call.ok) return { ok: false, driver: this.name, reason: call.error.message, error: call.error };
    const state = parsePowerStatus(call.stdout);
    const line = call.stdout.trim().split('\n')[0]?.trim().slice(0, 120) ?? '';
    return { ok: true, driver: this.name, state, detail: state === 'unknown' ? `unrecognised answer: ${line || '(empty)'}` : line };
  }

  async readHardware(node: Node, ctx: DriverContext): Promise<HardwareReadingsResult> {
    const dcmi = await this.call(node, 'dcmi-power-reading', ctx);
    let watts: number | undefined;
    if (dcmi.ok) watts = parseDcmiPowerReading(dcmi.stdout);
    // No DCMI on this BMC is a fact about the hardware, not a failure: the reading simply has no watts.
    else if (!(dcmi.outcome?.ended === 'exit' && dcmiUnsupported(dcmi.outcome.stderr))) {
      return { ok: false, driver: this.name, reason: dcmi.error.message, error: dcmi.error };
    }
    const sdr = await this.call(node, 'sdr-temperature', ctx);
    if (!sdr.ok && sdr.error.code !== 'ipmi-command-failed') return { ok: false, driver: this.name, reason: sdr.error.message, error: sdr.error };
    // A BMC without a sensor repository fails `sdr`; that too means no readings, not a broken BMC.
    const temperatures = sdr.ok ? parseTemperatureSdr(sdr.stdout) : [];
    return { ok: true, driver: this.name, readings: watts === undefined ? { temperatures } : { watts, temperatures } };
  }

  /** Ready when the secret is there, the BMC answers and accepts the login: one `chassis power status`. */
  async preflight(action: PowerAction, node: Node, ctx: DriverContext): Promise<{ readonly ready: true } | { readonly ready: false; readonly reason: string; readonly code: string }> {
    const support = this.supports(action, node);
    if (!support.supported) return { ready: false, reason: support.reason, code: 'ipmi-not-configured' };
    const call = await this.call(node, 'power-status', ctx);
    return call.ok ? { ready: true } : { ready: false, reason: call.error.message, code: call.error.code };
  }

  private async act(node: Node, command: IpmiCommand, ctx: DriverContext): Promise<DriverResult> {
    const call = await this.call(node, command, ctx);
    if (!call.ok) return { ok: false, driver: this.name, reason: call.error.message, error: call.error };
    const answer = call.stdout.trim().split('\n')[0]?.trim().slice(0, 120) || 'accepted';
    const tries = call.attempts > 1 ? ` after ${call.attempts} tries` : '';
    return { ok: true, driver: this.name, detail: `"${IPMI_COMMANDS[command].join(' ')}" accepted by the BMC${tries}: ${answer}` };
  }

  /** One command, with the password fetched, retries for failures that can pass, and every failure typed. */
  private async call(node: Node, command: IpmiCommand, ctx: DriverContext): Promise<Call> {
    const target = targetOf(node, this.replyTimeoutSeconds, this.replyRetries);
    if (!target.ok) return { ok: false, error: new IpmiError('ipmi-not-configured', `node ${node.name}: ${target.reason}`) };
    const { session, credentialRef } = target.target;

    const password = await this.password(node, credentialRef);
    if (!password.ok) return { ok: false, error: password.error };

    const context = { nodeName: node.name, session, command, credentialRef };
    const args = ipmitoolArgs(session, command);
    let last: Call | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) {
        const waited = await pause(this.retryDelayMs * 2 ** (attempt - 2), ctx.signal);
        if (!waited) {
          last = { ok: false, error: aborted(node, command) };
          break;
        }
      }
      const outcome = await runIpmitool({
        path: this.ipmitoolPath,
        args,
        password: password.value,
        timeoutMs: this.commandTimeoutMs,
        maxOutputBytes: this.maxOutputBytes,
        signal: ctx.signal,
        onSpawn: this.options.onSpawn ? (pid) => this.options.onSpawn?.(pid, command) : undefined,
      });
      if (outcome.ended === 'exit' && outcome.exitCode === 0) return { ok: true, stdout: outcome.stdout, attempts: attempt };
      const error = classifyFailure(outcome, context, password.value, this.ipmitoolPath);
      last = { ok: false, error, outcome };
      if (!error.retryable || error.code === 'ipmi-aborted') break;
      // A cycle that may have reached the BMC is not repeated: two cycles would cut the power twice.
      if (command === 'power-cycle' && mayHaveReachedBmc(error)) break;
    }
    return last ?? { ok: false, error: aborted(node, command) };
  }

  private async password(node: Node, ref: string): Promise<{ ok: true; value: string } | { ok: false; error: IpmiError }> {
    const missing = (why: string): { ok: false; error: IpmiError } => ({ ok: false, error: new IpmiError('ipmi-credential-missing', `node ${node.name}: the BMC password ${why}`) });
    let lookup: SecretLookup;
    try {
      lookup = await this.options.secrets.read(ref);
    } catch {
      return missing(`cannot be read from secret "${ref}"; check the secrets directory`);
    }
    if (!lookup.found) return missing(`is not available: ${lookup.reason}`);
    if (lookup.value.length === 0) return missing(`secret "${ref}" is empty: write the password to it`);
    if (lookup.value.length > MAX_PASSWORD_BYTES) return missing(`in secret "${ref}" is longer than the ${MAX_PASSWORD_BYTES} bytes IPMI 2.0 allows: shorten it on the BMC and in the secret`);
    if (lookup.value.includes(0)) return missing(`in secret "${ref}" contains a NUL byte, which cannot be passed to ipmitool`);
    return { ok: true, value: lookup.value.toString('utf8') };
  }
}

/** What is missing or wrong in the node's `bmc` settings for this driver, or `undefined` when they will do. */
function settingsProblem(node: Node): string | undefined {
  const bmc = node.bmc;
  if (!bmc) return 'the node has no bmc settings: add bmc.protocol = ipmi, bmc.address, bmc.username and bmc.credentialRef';
  if (bmc.protocol !== 'ipmi') return `the node's BMC is set to speak ${bmc.protocol}, not ipmi: set bmc.protocol = ipmi or pick the ${bmc.protocol} driver`;
  if (bmc.address.startsWith('-')) return `bmc.address "${bmc.address}" is not a host name`;
  if (!bmc.username) return 'bmc.username is not set: add the BMC user Somnus logs in as';
  if (Buffer.byteLength(bmc.username) > MAX_USERNAME_BYTES) return `bmc.username is longer than the ${MAX_USERNAME_BYTES} bytes IPMI allows`;
  if (!bmc.credentialRef) return 'bmc.credentialRef is not set: name the file in the secrets directory (SOMNUS_SECRETS_DIR) that holds the BMC password';
  return undefined;
}

function targetOf(node: Node, replyTimeoutSeconds: number, replyRetries: number): { ok: true; target: Target } | { ok: false; reason: string } {
  const problem = settingsProblem(node);
  const bmc = node.bmc;
  if (problem || !bmc?.username || !bmc.credentialRef) return { ok: false, reason: problem ?? 'incomplete bmc settings' };
  const privilege: IpmiPrivilege = bmc.ipmi?.privilege ?? 'OPERATOR';
  return {
    ok: true,
    target: {
      credentialRef: bmc.credentialRef,
      session: { address: bmc.address, port: bmc.port ?? 623, username: bmc.username, cipherSuite: bmc.ipmi?.cipherSuite ?? 17, privilege, replyTimeoutSeconds, replyRetries },
    },
  };
}

function aborted(node: Node, command: IpmiCommand): IpmiError {
  return new IpmiError('ipmi-aborted', `node ${node.name}: "${IPMI_COMMANDS[command].join(' ')}" was aborted (the power service is stopping)`);
}

/** Waits, unless aborted first; resolves false when aborted. */
function pause(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function wholeNumber(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new Error(`IPMI driver option ${name} must be a whole number of at least ${min} (got ${value})`);
  return value;
}
