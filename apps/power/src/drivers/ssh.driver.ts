/**
 * SSH driver (`node.driver.sleep = ssh-suspend | ssh-poweroff`): suspends or powers a node off, runs its
 * pre-sleep hooks first, and reads its activity for idle detection.
 *
 * Safety, in the order a session meets it:
 *   - Key auth only. The private key is fetched from the `SshKeyStore` by the node's `ssh.keyRef`; the key
 *     is handed to ssh2 and never logged or put in an error.
 *   - The host key is pinned: ssh2's `hostVerifier` compares the SHA-256 fingerprint of the key the node
 *     presents with `ssh.hostKeySha256`. Anything else (unknown, changed) is refused before authentication,
 *     so no credential is offered to an impostor, and the failure is a `HostKeyMismatchError` carrying both
 *     fingerprints for the service to record. It is never retried.
 *   - Commands are fixed per action (`NodeCommand` -> SSH_COMMANDS / preSleepHookCommand in
 *     @somnus/contracts); no method takes a command string.
 *   - Every stage is bounded: connect/handshake by `connectTimeoutMs`, each command by `commandTimeoutMs`
 *     (hooks by `hookTimeoutMs`), output by `maxOutputBytes`.
 *
 * A node that suspends may drop the connection before it reports an exit status; that counts as "sent".
 * Whether it really went to sleep is checked by the actuation layer (it must stop answering).
 */
import { Client, ConnectConfig } from 'ssh2';
import type { Node } from '@somnus/contracts';
import { DriverContext, DriverResult, PowerAction, PowerDriver, PowerDriverError, SupportCheck } from './power-driver.port';
import { NodeCommand, commandLine, describeCommand } from './node-command';
import { ActivityParseError as UnreadableActivity, NodeActivity, parseNodeActivity } from '@somnus/domain';
import { normaliseFingerprint, sshFingerprintSha256 } from './ssh-host-key';
import { SshKeyStore } from './ssh-key-store.port';
import {
  ActivityParseError,
  HostKeyMismatchError,
  PreSleepHookFailedError,
  SshAuthenticationError,
  SshCommandFailedError,
  SshKeyInvalidError,
  SshKeyNotFoundError,
  SshTimeoutError,
  SshUnreachableError,
} from './ssh-errors';

export interface SshDriverOptions {
  readonly keys: SshKeyStore;
  /** TCP connect, key exchange and authentication together; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Each fixed command; default 30 s. */
  readonly commandTimeoutMs?: number;
  /** Each pre-sleep hook (they may flush caches or stop services); default 120 s. */
  readonly hookTimeoutMs?: number;
  /** Output kept per command stream; the rest is dropped. Default 64 KiB. */
  readonly maxOutputBytes?: number;
}

/** How a command ended. `lost`: the connection or channel closed without an exit status. */
export interface CommandRun {
  readonly ended: 'exit' | 'lost' | 'timeout';
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class SshNotConfiguredError extends PowerDriverError {
  constructor(nodeName: string) {
    super('ssh-not-configured', `node ${nodeName} has no ssh settings (host, user, hostKeySha256) in the catalogue`, false);
  }
}

type SshError = Error & { level?: string; code?: string };

export class SshPowerDriver implements PowerDriver {
  readonly name = 'ssh';
  private readonly connectTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly hookTimeoutMs: number;
  private readonly maxOutputBytes: number;

  constructor(private readonly options: SshDriverOptions) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 30_000;
    this.hookTimeoutMs = options.hookTimeoutMs ?? 120_000;
    this.maxOutputBytes = options.maxOutputBytes ?? 64 * 1024;
  }

  supports(action: PowerAction, node: Node): SupportCheck {
    if (action === 'wake') return { supported: false, reason: 'a sleeping node cannot be woken over SSH' };
    if (!node.ssh) return { supported: false, reason: 'the node has no ssh settings (host, user, hostKeySha256)' };
    return { supported: true };
  }

  /** Pre-sleep hooks, then suspend (`ssh-suspend`) or power-off (`ssh-poweroff`). */
  sleep(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.putDown(node, node.driver.sleep === 'ssh-poweroff' ? 'power-off' : 'suspend', ctx);
  }

  /** Pre-sleep hooks, then power-off, whatever `driver.sleep` says. */
  powerOff(node: Node, ctx: DriverContext): Promise<DriverResult> {
    return this.putDown(node, 'power-off', ctx);
  }

  /** Load, network counters and sessions. Throws a `PowerDriverError` (e.g. `HostKeyMismatchError`). */
  async readActivity(node: Node, signal?: AbortSignal): Promise<NodeActivity> {
    const client = await this.open(node, signal);
    try {
      const run = await this.run(client, node, { kind: 'read-activity' }, this.commandTimeoutMs);
      if (run.ended !== 'exit' || run.exitCode !== 0) throw this.commandError(node, { kind: 'read-activity' }, run);
      try {
        return parseNodeActivity(run.stdout);
      } catch (error) {
        if (error instanceof UnreadableActivity) throw new ActivityParseError(error.reason);
        throw error;
      }
    } finally {
      client.end();
    }
  }

  /** Connects, checks the pinned host key and authenticates, then leaves. Used to verify a wake. */
  async verifyHandshake(node: Node, signal?: AbortSignal): Promise<void> {
    const client = await this.open(node, signal);
    client.end();
  }

  /**
   * Whether a sleep can be carried out now: the node presents the pinned host key and accepts our key. A
   * changed or unknown host key, a missing key or a refused login means not ready; an unreachable node is
   * left to the action, which reports it as failed (it may be booting or busy).
   */
  async preflight(_action: PowerAction, node: Node, ctx: DriverContext): Promise<{ readonly ready: true } | { readonly ready: false; readonly reason: string; readonly code: string }> {
    try {
      await this.verifyHandshake(node, ctx.signal);
      return { ready: true };
    } catch (error) {
      if (error instanceof PowerDriverError && !error.retryable) return { ready: false, reason: error.message, code: error.code };
      return { ready: true };
    }
  }

  private async putDown(node: Node, kind: 'suspend' | 'power-off', ctx: DriverContext): Promise<DriverResult> {
    let client: Client;
    try {
      client = await this.open(node, ctx.signal);
    } catch (error) {
      return this.failure(error);
    }
    try {
      for (const hook of node.driver.preSleepHooks) {
        const command: NodeCommand = { kind: 'pre-sleep-hook', hook };
        const run = await this.run(client, node, command, this.hookTimeoutMs);
        if (run.ended !== 'exit' || run.exitCode !== 0) {
          return this.failure(new PreSleepHookFailedError(node.name, hook, this.commandError(node, command, run)));
        }
      }
      const run = await this.run(client, node, { kind }, this.commandTimeoutMs);
      // A non-zero exit is a refusal (e.g. sudo not allowed); a lost connection or silence is a node going down.
      if (run.ended === 'exit' && run.exitCode !== 0 && run.exitCode !== null) {
        return this.failure(this.commandError(node, { kind }, run));
      }
      const hooks = node.driver.preSleepHooks.length ? `after pre-sleep hooks ${node.driver.preSleepHooks.join(', ')}; ` : '';
      const how = run.ended === 'exit' && run.exitCode === 0 ? 'accepted (exit 0)' : 'sent; the node went quiet before reporting an exit status';
      return { ok: true, driver: this.name, detail: `${hooks}${kind} ${how}` };
    } catch (error) {
      return this.failure(error);
    } finally {
      client.end();
    }
  }

  private failure(error: unknown): DriverResult {
    const typed =
      error instanceof PowerDriverError ? error : new PowerDriverError('ssh-failed', `SSH action failed: ${error instanceof Error ? error.message : String(error)}`, true);
    return { ok: false, driver: this.name, reason: typed.message, error: typed };
  }

  private commandError(node: Node, command: NodeCommand, run: CommandRun): PowerDriverError {
    const name = describeCommand(command);
    if (run.ended === 'timeout') return new SshTimeoutError(node.name, 'command', command.kind === 'pre-sleep-hook' ? this.hookTimeoutMs : this.commandTimeoutMs, name);
    if (run.ended === 'lost') return new SshUnreachableError(node.name, address(node), `connection lost while running ${name}`);
    return new SshCommandFailedError(node.name, name, run.exitCode, run.stderr);
  }

  /** An authenticated session with a host whose key matched the pin, or a typed error. */
  private async open(node: Node, signal?: AbortSignal): Promise<Client> {
    const ssh = node.ssh;
    if (!ssh) throw new SshNotConfiguredError(node.name);
    const privateKey = await this.options.keys.privateKey(ssh.keyRef);
    if (!privateKey) throw new SshKeyNotFoundError(ssh.keyRef);
    const expected = normaliseFingerprint(ssh.hostKeySha256);
    let presented: string | undefined;

    const client = new Client();
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      const settle = (error?: PowerDriverError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (error) {
          client.end();
          reject(error);
        } else {
          // Errors after the handshake are seen by the command that is running; keep them from crashing the process.
          client.on('error', () => undefined);
          resolve(client);
        }
      };
      const onAbort = (): void => settle(new SshUnreachableError(node.name, address(node), 'aborted'));
      const timer = setTimeout(
        () => settle(new SshTimeoutError(node.name, 'connect', this.connectTimeoutMs, 'connecting and authenticating over SSH')),
        this.connectTimeoutMs,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });

      client.once('ready', () => settle());
      client.on('error', (error: SshError) => {
        if (presented !== undefined && presented !== expected) settle(new HostKeyMismatchError(node.name, expected, presented));
        else if (error.level === 'client-authentication') settle(new SshAuthenticationError(node.name, ssh.user, ssh.keyRef));
        else if (error.level === 'client-timeout') settle(new SshTimeoutError(node.name, 'connect', this.connectTimeoutMs, 'the SSH handshake'));
        else settle(new SshUnreachableError(node.name, address(node), error.code ?? error.message));
      });
      client.once('close', () => settle(new SshUnreachableError(node.name, address(node), 'connection closed during the handshake')));

      const config: ConnectConfig = {
        host: ssh.host,
        port: ssh.port,
        username: ssh.user,
        privateKey,
        readyTimeout: this.connectTimeoutMs,
        // Raw key blob in (no hostHash), exact pin comparison out; returning false ends the handshake.
        hostVerifier: (key: Buffer): boolean => {
          presented = sshFingerprintSha256(key);
          return presented === expected;
        },
        tryKeyboard: false,
      };
      try {
        client.connect(config);
      } catch {
        // ssh2 throws synchronously when it cannot parse the key; its message is not passed on.
        settle(new SshKeyInvalidError(ssh.keyRef));
      }
    });
  }

  /** Runs one fixed command. Never rejects: how it ended is in the result. */
  private run(client: Client, node: Node, command: NodeCommand, timeoutMs: number): Promise<CommandRun> {
    const line = commandLine(command);
    return new Promise<CommandRun>((resolve) => {
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let kept = 0;
      let exitCode: number | null = null;
      let exited = false;
      let settled = false;
      const keep = (into: Buffer[], chunk: Buffer): void => {
        const room = this.maxOutputBytes - kept;
        if (room <= 0) return;
        const part = chunk.subarray(0, room);
        into.push(part);
        kept += part.length;
      };
      const finish = (ended: CommandRun['ended']): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.removeListener('close', onLost);
        resolve({ ended, exitCode, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
      };
      const onLost = (): void => finish(exited && exitCode !== null ? 'exit' : 'lost');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      client.once('close', onLost);

      try {
        client.exec(line, (error, stream) => {
          if (error) return finish('lost');
          stream.on('data', (chunk: Buffer) => keep(stdout, chunk));
          stream.stderr.on('data', (chunk: Buffer) => keep(stderr, chunk));
          stream.on('exit', (code: number | null) => {
            exited = true;
            exitCode = typeof code === 'number' ? code : null;
          });
          stream.on('close', () => finish(exited && exitCode !== null ? 'exit' : 'lost'));
        });
      } catch {
        finish('lost');
      }
    });
  }
}

function address(node: Node): string {
  return node.ssh ? `${node.ssh.host}:${node.ssh.port}` : (node.ip ?? node.name);
}
