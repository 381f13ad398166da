/**
 * Script driver (`node.driver.wake` / `driver.sleep` = `script`): runs the operator's executable named in
 * `driver.script.path` for wake, sleep, power-off and status. The contract the script sees is written down in
 * apps/power/README.md ("Script driver"); in short:
 *
 *   - argv `<path> <action> <node-name>`, action = wake | sleep | power-off | status; no shell is involved.
 *   - environment: SOMNUS_ACTION, SOMNUS_NODE_ID, SOMNUS_NODE_NAME, SOMNUS_NODE_MAC, SOMNUS_NODE_IP,
 *     SOMNUS_BMC_ADDRESS, SOMNUS_COMMAND_ID, SOMNUS_ATTEMPT and a minimal PATH; never the service's own
 *     environment (it holds database URLs and tokens).
 *   - the secret named by `driver.script.secretRef`, if any, on standard input, then EOF. Never in argv or env,
 *     which other users can read from /proc.
 *   - exit 0 = done, 2 = refused or misconfigured (not retried), 3 = busy, try later, anything else = failed
 *     (retried). For `status`, the first word of stdout is `on`, `off` or `unknown`.
 *   - `driver.script.timeoutSeconds` bounds a run; then the whole process group gets SIGTERM, and SIGKILL
 *     after a grace period, so a script's children do not outlive it.
 *   - stdout and stderr are kept (8 KiB each by default), with the secret scrubbed, in the result's detail.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type { Node } from '@somnus/contracts';
import {
  DriverContext,
  DriverResult,
  PowerAction,
  PowerDriver,
  PowerDriverError,
  PowerStateResult,
  ReportedPowerState,
  SupportCheck,
} from './power-driver.port';
import { SecretStore } from './secret-store';

/** What the script is asked to do: the three power actions, and reporting the power state. */
export type ScriptAction = PowerAction | 'status';

/** The exit codes of the contract. */
export const SCRIPT_EXIT = { done: 0, refused: 2, busy: 3 } as const;

/** The PATH scripts get: the system's directories only, so a script never runs a binary from a writable cwd. */
export const SCRIPT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ScriptDriverOptions {
  readonly secrets: SecretStore;
  /** Output kept per stream (stdout, stderr); the rest is dropped. Default 8 KiB. */
  readonly maxOutputBytes?: number;
  /** Between SIGTERM and SIGKILL when a script overruns its timeout or the service shuts down; default 5 s. */
  readonly killGraceMs?: number;
}

export class ScriptDriverError extends PowerDriverError {}

export class ScriptNotConfiguredError extends ScriptDriverError {
  constructor(nodeName: string) {
    super('script-not-configured', `node ${nodeName} has no driver.script settings (path, timeoutSeconds) in the catalogue`, false);
  }
}

/** How a run of the script ended; `signal` is set when something other than this driver killed it. */
export interface ScriptRun {
  readonly ended: 'exit' | 'timeout' | 'aborted' | 'spawn-failed';
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly spawnError?: string;
}

/** The outcome of a run, per the exit-code contract (pure; unit-tested). */
export type ScriptOutcome =
  | { readonly ok: true; readonly state?: ReportedPowerState }
  | { readonly ok: false; readonly error: ScriptDriverError };

/**
 * Maps how a script ended to done / refused / busy / failed. `path` and `timeoutSeconds` only go into the
 * messages. Output in the messages is already bounded and scrubbed by the caller.
 */
export function scriptOutcome(action: ScriptAction, run: ScriptRun, script: { readonly path: string; readonly timeoutSeconds: number }): ScriptOutcome {
  const output = describeOutput(run);
  const fail = (code: string, message: string, retryable: boolean): ScriptOutcome => ({ ok: false, error: new ScriptDriverError(code, `${message}${output}`, retryable) });
  switch (run.ended) {
    case 'spawn-failed':
      return fail('script-not-executable', `cannot run ${script.path}: ${run.spawnError ?? 'unknown error'}; check that it exists and is executable by the power service's user`, false);
    case 'timeout':
      return fail('script-timeout', `${script.path} ${action} did not finish within ${script.timeoutSeconds} s and was killed with its process group`, true);
    case 'aborted':
      return fail('script-aborted', `${script.path} ${action} was stopped because the power service is shutting down`, true);
    case 'exit':
      break;
  }
  if (run.exitCode === null) return fail('script-failed', `${script.path} ${action} was killed by ${run.signal ?? 'a signal'}`, true);
  if (run.exitCode === SCRIPT_EXIT.refused) return fail('script-refused', `${script.path} refused to ${action} (exit 2: refused or misconfigured; not retried)`, false);
  if (run.exitCode === SCRIPT_EXIT.busy) return fail('script-busy', `${script.path} is busy and cannot ${action} now (exit 3; retried later)`, true);
  if (run.exitCode !== SCRIPT_EXIT.done) return fail('script-failed', `${script.path} ${action} failed with exit code ${run.exitCode}`, true);
  if (action !== 'status') return { ok: true };
  const state = parseStatusWord(run.stdout);
  if (!state) {
    const word = firstWord(run.stdout);
    return fail('script-bad-status', `${script.path} status exited 0 but its first word is ${word ? `"${word.slice(0, 32)}"` : 'missing'}; print on, off or unknown`, false);
  }
  return { ok: true, state };
}

/** `on`, `off` or `unknown` from the first word of a status script's stdout (case-insensitive), else null. */
export function parseStatusWord(stdout: string): ReportedPowerState | null {
  const word = firstWord(stdout).toLowerCase();
  return word === 'on' || word === 'off' || word === 'unknown' ? word : null;
}

function firstWord(text: string): string {
  return text.trim().split(/\s+/)[0] ?? '';
}

function describeOutput(run: ScriptRun): string {
  const parts: string[] = [];
  if (run.stdout.trim()) parts.push(`stdout: ${run.stdout.trim()}`);
  if (run.stderr.trim()) parts.push(`stderr: ${run.stderr.trim()}`);
  return parts.length ? `; ${parts.join('; ')}` : '';
}

/** Replaces every occurrence of the secret in captured output. */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) return text;
  return text.split(secret).join('[secret]');
}

/** The environment a script runs with: the node's non-secret fields, the command, and a minimal PATH. */
export function scriptEnvironment(action: ScriptAction, node: Node, ctx: Pick<DriverContext, 'commandId' | 'attempt'>): Record<string, string> {
  return {
    PATH: SCRIPT_PATH,
    SOMNUS_ACTION: action,
    SOMNUS_NODE_ID: node.id,
    SOMNUS_NODE_NAME: node.name,
    SOMNUS_NODE_MAC: node.mac ?? '',
    SOMNUS_NODE_IP: node.ip ?? '',
    SOMNUS_BMC_ADDRESS: node.bmc?.address ?? '',
    SOMNUS_COMMAND_ID: ctx.commandId,
    SOMNUS_ATTEMPT: String(ctx.attempt),
  };
}

type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string; readonly code: string };

export class ScriptPowerDriver implements PowerDriver {
  readonly name = 'script';
  private readonly maxOutputBytes: number;
  private readonly killGraceMs: number;

  constructor(private readonly options: ScriptDriverOptions) {
    this.maxOutputBytes = options.maxOutputBytes ?? 8 * 1024;
    this.killGraceMs = options.killGraceMs ?? 5_000;
  }

  supports(_action: PowerAction, node: Node): SupportCheck {
    const script = node.driver.script;
    if (!script) return { supported: false, reason: 'the node has no driver.script settings: set driver.script.path to the absolute path of the executable' };
    if (!isAbsolute(script.path)) return { supported: false, reason: `driver.script.path "${script.path}" is relative: give the absolute path of the executable` };
    return { supported: true };
  }

  wake(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act('wake', node, ctx);
  }

  sleep(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act('sleep', node, ctx);
  }

  powerOff(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.act('power-off', node, ctx);
  }

  /** Runs the script with `status`; its first word of stdout is the state. */
  async powerState(node: Node, ctx: DriverContext): Promise<PowerStateResult> {
    const result = await this.execute('status', node, ctx);
    if (!result.ok) return { ok: false, driver: this.name, reason: result.error.message, error: result.error };
    return { ok: true, driver: this.name, state: result.state ?? 'unknown', detail: result.detail };
  }

  /** The settings are there, the file is an executable the service may run, and its secret exists. */
  async preflight(action: PowerAction, node: Node, _ctx: DriverContext): Promise<Readiness> {
    const support = this.supports(action, node);
    if (!support.supported) return { ready: false, reason: support.reason, code: 'script-not-configured' };
    const script = node.driver.script;
    if (!script) return { ready: false, reason: 'the node has no driver.script settings', code: 'script-not-configured' };
    const usable = await checkExecutable(script.path);
    if (!usable.ready) return usable;
    if (script.secretRef) {
      const secret = await this.options.secrets.read(script.secretRef);
      if (!secret.found) return { ready: false, reason: `the secret for ${script.path} is missing: ${secret.reason}`, code: 'script-secret-missing' };
    }
    return { ready: true };
  }

  private async act(action: PowerAction, node: Node, ctx: DriverContext): Promise<DriverResult> {
    const result = await this.execute(action, node, ctx);
    if (!result.ok) return { ok: false, driver: this.name, reason: result.error.message, error: result.error };
    return { ok: true, driver: this.name, detail: result.detail };
  }

  private async execute(
    action: ScriptAction,
    node: Node,
    ctx: DriverContext,
  ): Promise<{ readonly ok: true; readonly detail: string; readonly state?: ReportedPowerState } | { readonly ok: false; readonly error: ScriptDriverError }> {
    const script = node.driver.script;
    if (!script) return { ok: false, error: new ScriptNotConfiguredError(node.name) };
    if (!isAbsolute(script.path)) {
      return { ok: false, error: new ScriptDriverError('script-not-configured', `driver.script.path "${script.path}" of node ${node.name} is relative: give the absolute path`, false) };
    }
    const usable = await checkExecutable(script.path);
    if (!usable.ready) return { ok: false, error: new ScriptDriverError(usable.code, usable.reason, false) };
    let secret: Buffer | undefined;
    if (script.secretRef) {
      const lookup = await this.options.secrets.read(script.secretRef);
      if (!lookup.found) return { ok: false, error: new ScriptDriverError('script-secret-missing', `the secret for ${script.path} is missing: ${lookup.reason}`, false) };
      secret = lookup.value;
    }
    const started = Date.now();
    const run = await this.run(script.path, [action, node.name], scriptEnvironment(action, node, ctx), secret, script.timeoutSeconds * 1000, ctx.signal);
    const outcome = scriptOutcome(action, run, script);
    if (!outcome.ok) return outcome;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const state = outcome.state ? `; reported ${outcome.state}` : '';
    return { ok: true, state: outcome.state, detail: `${script.path} ${action} exited 0 after ${seconds} s${state}${describeOutput(run)}` };
  }

  /** Runs the script in its own process group. Never rejects: how it ended is in the result. */
  private run(path: string, args: string[], env: Record<string, string>, secret: Buffer | undefined, timeoutMs: number, signal?: AbortSignal): Promise<ScriptRun> {
    const secretText = secret?.toString('utf8');
    // Keep a secret's length more than the limit, so a secret cut by the limit is still whole when scrubbed,
    // and one byte more, so that dropped output is noticed and marked.
    const captureLimit = this.maxOutputBytes + (secret?.length ?? 0) + 1;
    return new Promise<ScriptRun>((resolve) => {
      const out = { stdout: [] as Buffer[], stderr: [] as Buffer[], stdoutBytes: 0, stderrBytes: 0 };
      let ended: ScriptRun['ended'] | undefined;
      let exitCode: number | null = null;
      let exitSignal: NodeJS.Signals | null = null;
      let settled = false;
      let killTimer: NodeJS.Timeout | undefined;
      let drainTimer: NodeJS.Timeout | undefined;

      const text = (chunks: Buffer[]): string => bounded(scrubSecret(Buffer.concat(chunks).toString('utf8'), secretText), this.maxOutputBytes);
      const finish = (spawnError?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(drainTimer);
        // After a timeout the SIGKILL still falls due: a child that ignored SIGTERM must not outlive the script.
        if (ended !== 'timeout' && ended !== 'aborted') clearTimeout(killTimer);
        signal?.removeEventListener('abort', onAbort);
        child.stdout?.destroy();
        child.stderr?.destroy();
        resolve({ ended: ended ?? 'exit', exitCode, signal: exitSignal, stdout: text(out.stdout), stderr: text(out.stderr), spawnError });
      };
      const killGroup = (why: 'timeout' | 'aborted'): void => {
        if (ended !== undefined || child.pid === undefined) return;
        ended = why;
        signalGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(() => {
          if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
        }, this.killGraceMs);
        killTimer.unref();
      };
      const onAbort = (): void => killGroup('aborted');

      const child = spawn(path, args, { detached: true, env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
      const timer = setTimeout(() => killGroup('timeout'), timeoutMs);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });

      child.once('error', (error: NodeJS.ErrnoException) => {
        if (child.pid === undefined) {
          ended = 'spawn-failed';
          finish(error.code ?? error.message);
        }
      });
      const keep = (stream: 'stdout' | 'stderr', chunk: Buffer): void => {
        const kept = stream === 'stdout' ? out.stdoutBytes : out.stderrBytes;
        const room = captureLimit - kept;
        if (room <= 0) return;
        const part = chunk.subarray(0, room);
        out[stream].push(part);
        if (stream === 'stdout') out.stdoutBytes += part.length;
        else out.stderrBytes += part.length;
      };
      child.stdout.on('data', (chunk: Buffer) => keep('stdout', chunk));
      child.stderr.on('data', (chunk: Buffer) => keep('stderr', chunk));
      // A script that never reads its stdin closes the pipe: EPIPE is expected, not a failure.
      child.stdin.on('error', () => undefined);
      if (secret) child.stdin.end(secret);
      else child.stdin.end();

      child.once('exit', (code, killedBy) => {
        exitCode = code;
        exitSignal = killedBy;
        // Children the script left in the background may hold the pipes open; their output is not waited for.
        drainTimer = setTimeout(() => finish(), 500);
      });
      child.once('close', () => finish());
    });
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal); // the negative pid is the process group `detached` created
  } catch {
    // The group is already gone.
  }
}

function bounded(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return `${bytes.subarray(0, maxBytes).toString('utf8')}… (truncated at ${maxBytes} bytes)`;
}

/** A regular file, executable by this process, and not writable by group or others (it is handed secrets). */
async function checkExecutable(path: string): Promise<Readiness> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return { ready: false, reason: `driver.script.path ${path} is not a regular file`, code: 'script-not-found' };
    if ((info.mode & 0o022) !== 0) return { ready: false, reason: `${path} is writable by group or others: chmod go-w it (it runs with the service's rights)`, code: 'script-insecure' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ready: false, reason: `driver.script.path ${path} does not exist on the power service's host`, code: 'script-not-found' };
    return { ready: false, reason: `cannot inspect ${path}: ${code ?? 'unknown error'}`, code: 'script-not-found' };
  }
  try {
    await access(path, constants.X_OK);
  } catch {
    return { ready: false, reason: `${path} is not executable by the power service's user: chmod u+x it or run the service as its owner`, code: 'script-not-executable' };
  }
  return { ready: true };
}
