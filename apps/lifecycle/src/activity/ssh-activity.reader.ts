// Reads a node's activity over SSH for idle detection: key auth, the host key pinned by its SHA-256
// fingerprint, one fixed command, parsed by the domain's parser (as power's driver does). The SSH client
// itself is still this service's own: sharing power's driver would mean a shared drivers library.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { Node, SSH_COMMANDS } from '@somnus/contracts';
import { parseNodeActivity } from '@somnus/domain';

/** What idle detection uses of a node's activity: load, network bytes since boot, sessions. */
export interface NodeActivity {
  load1: number;
  /** Bytes received plus sent since boot over every interface but loopback. */
  netBytes: number;
  sshSessions: number;
}

export interface ActivityReader {
  read(node: Node): Promise<NodeActivity>;
}

export const ACTIVITY_READER = Symbol('ACTIVITY_READER');

const fingerprint = (key: Buffer): string => `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

export class SshActivityReader implements ActivityReader {
  constructor(
    private readonly keyDir: string,
    private readonly timeoutMs: number,
  ) {}

  async read(node: Node): Promise<NodeActivity> {
    const ssh = node.ssh;
    if (!ssh) throw new Error(`node ${node.name} has no ssh settings`);
    // keyRef is a name in the key directory, never a path.
    if (!/^[A-Za-z0-9._-]+$/.test(ssh.keyRef) || ssh.keyRef.startsWith('.')) throw new Error(`ssh keyRef "${ssh.keyRef}" is not a plain file name`);
    const privateKey = await readFile(join(this.keyDir, ssh.keyRef));
    const pinned = ssh.hostKeySha256.trim().replace(/=+$/, '');
    let presented: string | undefined;

    return new Promise<NodeActivity>((resolve, reject) => {
      const client = new Client();
      let output = '';
      let settled = false;
      const finish = (error: Error | null, activity?: NodeActivity): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.end();
        if (error) reject(error);
        else resolve(activity!);
      };
      const timer = setTimeout(() => finish(new Error(`reading activity of ${node.name} took longer than ${this.timeoutMs} ms`)), this.timeoutMs);
      client.on('error', (error) => {
        if (presented !== undefined && presented !== pinned) finish(new Error(`host key of ${node.name} is ${presented}, not the pinned ${pinned}: refused`));
        else finish(new Error(`ssh to ${node.name} failed: ${error.message}`));
      });
      client.on('close', () => finish(new Error(`ssh connection to ${node.name} closed before the activity was read`)));
      client.on('ready', () => {
        client.exec(SSH_COMMANDS.activity, (error, stream) => {
          if (error) return finish(error);
          stream.on('data', (chunk: Buffer) => {
            if (output.length < 64 * 1024) output += chunk.toString('utf8');
          });
          stream.stderr.on('data', () => undefined);
          stream.on('close', (code: number | null) => {
            if (code !== 0) return finish(new Error(`activity command on ${node.name} exited ${code}`));
            try {
              const activity = parseNodeActivity(output);
              finish(null, { load1: activity.load1, netBytes: activity.netRxBytes + activity.netTxBytes, sshSessions: activity.sshSessions });
            } catch (parseError) {
              finish(parseError as Error);
            }
          });
        });
      });
      try {
        client.connect({
          host: ssh.host,
          port: ssh.port,
          username: ssh.user,
          privateKey,
          readyTimeout: this.timeoutMs,
          tryKeyboard: false,
          hostVerifier: (key: Buffer) => {
            presented = fingerprint(key);
            return presented === pinned;
          },
        });
      } catch {
        finish(new Error(`ssh key "${ssh.keyRef}" cannot be parsed`));
      }
    });
  }
}
