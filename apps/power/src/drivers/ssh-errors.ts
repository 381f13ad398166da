// The ways an SSH power action fails, each its own type so the service can record the exact cause.
// No message here ever carries key material: only key names (keyRef), fingerprints and exit codes.
import { PowerDriverError } from './power-driver.port';

/** The node presented a host key other than the one pinned in the catalogue. Never retried. */
export class HostKeyMismatchError extends PowerDriverError {
  constructor(
    readonly nodeName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      'host-key-mismatch',
      `node ${nodeName} presented SSH host key ${actual}, but ${expected} is pinned; refused. ` +
        'If the node was reinstalled, check the new key and update ssh.hostKeySha256 in the catalogue.',
      false,
    );
  }
}

export class SshKeyNotFoundError extends PowerDriverError {
  constructor(readonly keyRef: string) {
    super('ssh-key-not-found', `no SSH private key named "${keyRef}" in the power service's key store`, false);
  }
}

export class SshKeyInvalidError extends PowerDriverError {
  constructor(readonly keyRef: string) {
    super('ssh-key-invalid', `the SSH private key named "${keyRef}" cannot be read (unsupported format or passphrase-protected)`, false);
  }
}

export class SshAuthenticationError extends PowerDriverError {
  constructor(readonly nodeName: string, readonly user: string, readonly keyRef: string) {
    super('ssh-auth-failed', `node ${nodeName} refused key "${keyRef}" for user ${user}; install its public key on the node`, false);
  }
}

export class SshUnreachableError extends PowerDriverError {
  constructor(readonly nodeName: string, readonly address: string, cause: string) {
    super('ssh-unreachable', `cannot reach node ${nodeName} over SSH at ${address}: ${cause}`, true);
  }
}

export class SshTimeoutError extends PowerDriverError {
  constructor(readonly nodeName: string, readonly stage: 'connect' | 'command', readonly timeoutMs: number, what: string) {
    super('ssh-timeout', `node ${nodeName}: ${what} did not finish within ${timeoutMs} ms`, true);
  }
}

export class SshCommandFailedError extends PowerDriverError {
  constructor(readonly nodeName: string, readonly commandName: string, readonly exitCode: number | null, stderr: string) {
    const detail = stderr.trim() ? `: ${stderr.trim().slice(0, 200)}` : '';
    super('ssh-command-failed', `node ${nodeName}: ${commandName} exited with ${exitCode ?? 'no status'}${detail}`, true);
  }
}

/** A pre-sleep hook failed, so the node was left awake. */
export class PreSleepHookFailedError extends PowerDriverError {
  constructor(readonly nodeName: string, readonly hook: string, readonly hookError: PowerDriverError) {
    super('pre-sleep-hook-failed', `pre-sleep hook "${hook}" failed on node ${nodeName}, so it was left awake: ${hookError.message}`, hookError.retryable);
  }
}

export class ActivityParseError extends PowerDriverError {
  constructor(reason: string) {
    super('activity-unreadable', `node activity output could not be read: ${reason}`, true);
  }
}
