// Runs one ipmitool child: no shell, a fixed argument list, the password only in the child's environment,
// stdin closed (so `-E` without a password can never wait at a "Password:" prompt), output bounded, and a
// kill timer plus the caller's AbortSignal. Never rejects: how the run ended is in the result.
import { spawn } from 'node:child_process';
import type { IpmitoolOutcome } from './ipmitool-output';

export interface IpmitoolRunOptions {
  readonly path: string;
  readonly args: readonly string[];
  /** Becomes IPMI_PASSWORD in the child's environment, and only there. */
  readonly password: string;
  readonly timeoutMs: number;
  readonly maxOutputBytes: number;
  readonly signal?: AbortSignal;
  /** Called with the child's pid once it runs (diagnostics; the integration test reads its /proc entry). */
  readonly onSpawn?: (pid: number) => void;
}

export function runIpmitool(options: IpmitoolRunOptions): Promise<IpmitoolOutcome> {
  return new Promise<IpmitoolOutcome>((resolve) => {
    if (options.signal?.aborted) {
      resolve({ ended: 'aborted', exitCode: null, stdout: '', stderr: '' });
      return;
    }
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let kept = 0;
    let stopped: 'timeout' | 'aborted' | undefined;
    let settled = false;

    // A minimal environment: the child needs PATH and a stable locale, not the service's own variables.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C', IPMI_PASSWORD: options.password };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(options.path, [...options.args], { env, stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    } catch (error) {
      resolve({ ended: 'spawn-failed', exitCode: null, stdout: '', stderr: '', spawnError: (error as NodeJS.ErrnoException).code ?? 'spawn failed' });
      return;
    }

    const keep = (into: Buffer[], chunk: Buffer): void => {
      const room = options.maxOutputBytes - kept;
      if (room <= 0) return;
      const part = chunk.subarray(0, room);
      into.push(part);
      kept += part.length;
    };
    const stop = (why: 'timeout' | 'aborted'): void => {
      if (stopped || settled) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    const finish = (outcome: IpmitoolOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const onAbort = (): void => stop('aborted');
    const timer = setTimeout(() => stop('timeout'), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk: Buffer) => keep(stdout, chunk));
    child.stderr?.on('data', (chunk: Buffer) => keep(stderr, chunk));
    child.once('spawn', () => {
      if (child.pid !== undefined) {
        try {
          options.onSpawn?.(child.pid);
        } catch {
          // An observer's mistake must not break a power action.
        }
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      finish({ ended: 'spawn-failed', exitCode: null, stdout: '', stderr: '', spawnError: error.code ?? error.message });
    });
    child.once('close', (code: number | null) => {
      finish({
        ended: stopped ?? 'exit',
        exitCode: code,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timeoutMs: options.timeoutMs,
      });
    });
  });
}
