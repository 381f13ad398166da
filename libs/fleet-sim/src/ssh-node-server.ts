import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthContext, Connection, ParsedKey, Server, ServerChannel, utils } from 'ssh2';
import { preSleepHookCommand, SSH_COMMANDS } from '@somnus/contracts';
import { NodeActivity, renderActivity } from './activity-report';

/** A key pair in OpenSSH format, as ssh2's `utils.generateKeyPairSync` returns it. */
export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
}

/**
 * A fresh ed25519 key pair. ssh2 1.17 drops a leading zero byte of the public key (about 1 key in 250), which
 * then cannot be parsed back; such pairs are discarded and generated again.
 */
export function generateSshKeyPair(comment = 'fleet-sim'): SshKeyPair {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const pair = utils.generateKeyPairSync('ed25519', { comment });
    const usable = [pair.private, pair.public].every((key) => !(utils.parseKey(key) instanceof Error));
    if (usable) return { privateKey: pair.private, publicKey: pair.public };
  }
  throw new Error('could not generate a usable ed25519 key pair with ssh2');
}

function parseKeyOrThrow(key: string, what: string): ParsedKey {
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) throw new Error(`${what} is not a usable SSH key: ${parsed.message}`);
  return parsed;
}

/** `SHA256:<base64, no padding>` of the public key blob, exactly as `ssh-keygen -lf` and OpenSSH print it. */
export function sha256Fingerprint(key: string | Buffer | ParsedKey): string {
  const blob = Buffer.isBuffer(key) ? key : parseKeyOrThrow(typeof key === 'string' ? key : key.getPrivatePEM(), 'key').getPublicSSH();
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** What the machine behind the SSH server does when Somnus' fixed commands arrive. */
export interface SshNodeMachine {
  activity(): NodeActivity;
  /** Called once the `suspend` command has answered, as systemd returns before the machine sleeps. */
  suspend(): void;
  powerOff(): void;
  /** Hook scripts installed under /etc/somnus/pre-sleep.d, by name, with the exit code each returns. */
  preSleepHooks(): ReadonlyMap<string, number>;
}

export interface SshNodeServerOptions {
  nodeName: string;
  /** The one login Somnus uses. */
  user: string;
  /** The only client key accepted (OpenSSH public key line). */
  authorizedKey: string;
  machine: SshNodeMachine;
  host?: string;
  /** 0 (default) picks a free port once; the node keeps it across sleeps. */
  port?: number;
  /** Private host key in OpenSSH or PEM form; generated when absent. */
  hostKey?: string;
}

export interface SshCommandRecord {
  command: string;
  exitCode: number;
  at: number;
}

/** Exit codes a shell uses: 126 "cannot execute" for a refused command, 127 for a script that does not exist. */
const REFUSED = 126;
const NOT_FOUND = 127;
/** Bound the command log so a long demo does not grow memory without limit. */
const COMMAND_LOG_LIMIT = 1000;

/**
 * The SSH daemon of one simulated node: its own host key, public-key authentication for one user and one key,
 * and exactly the commands of `SSH_COMMANDS` (plus the node's pre-sleep hooks). While the machine sleeps the
 * listening socket is closed, so connections are refused; after boot it listens again on the same port.
 */
export class SshNodeServer {
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private hostKey: string;
  private readonly authorizedKey: ParsedKey;
  private boundPort: number;
  private readonly log: SshCommandRecord[] = [];

  constructor(private readonly options: SshNodeServerOptions) {
    this.hostKey = options.hostKey ?? generateSshKeyPair(`${options.nodeName}-host`).privateKey;
    this.authorizedKey = parseKeyOrThrow(options.authorizedKey, 'the authorised client key');
    this.boundPort = options.port ?? 0;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  get hostKeySha256(): string {
    return sha256Fingerprint(this.hostKey);
  }

  /** Commands run so far (latest last), with their exit codes. */
  get commands(): readonly SshCommandRecord[] {
    return this.log;
  }

  /** Opens the listening socket (again); after the first start the port never changes. */
  async listen(): Promise<void> {
    if (this.server) return;
    const server = new Server({ hostKeys: [this.hostKey], ident: 'OpenSSH_9.6 fleet-sim' }, (client) => this.accept(client));
    // A refused or reset connection must not take the simulator down.
    server.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
  }

  /** Drops every session and closes the socket: the machine is asleep or off. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const client of this.connections) client.end();
    this.connections.clear();
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Replaces the host key (as a reinstall would); clients pinning the old fingerprint must refuse the node. */
  async rotateHostKey(): Promise<string> {
    const wasListening = this.server !== undefined;
    await this.close();
    this.hostKey = generateSshKeyPair(`${this.options.nodeName}-host`).privateKey;
    if (wasListening) await this.listen();
    return this.hostKeySha256;
  }

  private accept(client: Connection): void {
    this.connections.add(client);
    client.on('close', () => this.connections.delete(client));
    client.on('error', () => this.connections.delete(client));
    client.on('authentication', (context) => this.authenticate(context));
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        session.on('pty', (_accept, reject) => reject?.());
        session.on('shell', (_accept, reject) => reject());
        session.on('subsystem', (_accept, reject) => reject());
        session.on('env', (accept) => accept?.());
        session.on('exec', (acceptExec, _reject, info) => this.execute(info.command, acceptExec()));
      });
    });
  }

  private authenticate(context: AuthContext): void {
    if (context.method !== 'publickey' || context.username !== this.options.user) {
      context.reject(['publickey']);
      return;
    }
    const expected = this.authorizedKey.getPublicSSH();
    const offered = context.key.data;
    const sameKey = context.key.algo === this.authorizedKey.type && offered.length === expected.length && timingSafeEqual(offered, expected);
    if (!sameKey) {
      context.reject(['publickey']);
      return;
    }
    // Without a signature the client is only asking whether this key would do; with one it proves possession.
    if (context.signature && context.blob && !this.authorizedKey.verify(context.blob, context.signature, context.hashAlgo)) {
      context.reject(['publickey']);
      return;
    }
    context.accept();
  }

  private execute(command: string, channel: ServerChannel): void {
    const machine = this.options.machine;
    const reply = (exitCode: number, stdout: string, stderr = ''): void => {
      this.record(command, exitCode);
      if (stdout) channel.write(stdout);
      if (stderr) channel.stderr.write(stderr);
      channel.exit(exitCode);
      channel.end();
    };

    switch (command) {
      case SSH_COMMANDS.activity:
        reply(0, renderActivity(machine.activity()));
        return;
      case SSH_COMMANDS.suspend:
        reply(0, '');
        // systemctl returns before the machine goes down; the session closes on its own.
        setImmediate(() => machine.suspend());
        return;
      case SSH_COMMANDS.powerOff:
        reply(0, '');
        setImmediate(() => machine.powerOff());
        return;
    }

    for (const [hook, exitCode] of machine.preSleepHooks()) {
      if (command === preSleepHookCommand(hook)) {
        reply(exitCode, exitCode === 0 ? `${hook}: done\n` : '', exitCode === 0 ? '' : `${hook}: failed with exit code ${exitCode}\n`);
        return;
      }
    }
    if (command.startsWith(preSleepHookCommand('x').slice(0, -1))) {
      reply(NOT_FOUND, '', `sudo: ${command.replace(/^sudo -n /, '')}: command not found\n`);
      return;
    }
    reply(REFUSED, '', `fleet-sim ${this.options.nodeName}: command refused; only Somnus' fixed commands are allowed\n`);
  }

  private record(command: string, exitCode: number): void {
    this.log.push({ command, exitCode, at: Date.now() });
    if (this.log.length > COMMAND_LOG_LIMIT) this.log.splice(0, this.log.length - COMMAND_LOG_LIMIT);
  }
}
