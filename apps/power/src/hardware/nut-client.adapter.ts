/**
 * A client of NUT's upsd over its TCP protocol (port 3493;
 * https://networkupstools.org/docs/developer-guide.chunked/net-protocol.html). Only what Somnus reads:
 * `LIST UPS`, `GET VAR <ups> <var>` (ups.status, battery.charge, battery.runtime), the optional
 * `USERNAME` / `PASSWORD` login and `LOGOUT`.
 *
 *   - One connection per upsd, opened on first use and kept; requests go one at a time (replies carry no id).
 *   - Every request has a deadline. A request that misses it closes the connection (a late reply would be
 *     read as the answer to the next request) and fails with `NutTimeoutError`.
 *   - A lost or refused connection is retried with exponential backoff: until the next attempt is due,
 *     requests fail at once with `NutUnreachableError` saying when it is, so a poller never piles up.
 *   - `ERR <code>` replies become `NutServerError` with upsd's code and what to do about it.
 *   - The password comes from the `SecretStore` at login; it is sent quoted and never put in an error.
 *     upsd checks it only for privileged commands, so a wrong password does not stop reads.
 */
import { Socket, connect } from 'node:net';
import { Clock, systemClock } from '@somnus/runtime';
import type { SecretStore } from '../drivers/secret-store';
import type { UpsCredential } from './ups-settings';
import { NUT_DEFAULT_PORT } from './ups-settings';
import type { UpsReading } from './ups-status';

export interface NutClientOptions {
  readonly host: string;
  readonly port?: number;
  /** Logs in with this user and the password from `secrets` (both, or neither). */
  readonly credential?: UpsCredential;
  readonly secrets?: SecretStore;
  /** Connecting, and each request; default 5 s. */
  readonly timeoutMs?: number;
  /** First wait after a failed connection, doubling to `reconnectMaxMs`. Defaults 1 s and 60 s. */
  readonly reconnectBaseMs?: number;
  readonly reconnectMaxMs?: number;
  readonly clock?: Clock;
}

export class NutError extends Error {
  constructor(
    /** Stable and safe to record: `nut-timeout`, `nut-unreachable`, `nut-protocol`, `nut-credential`, `nut-<upsd code>`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** What upsd's `ERR <code>` replies mean, and what the operator can do. */
const SERVER_ERRORS: Readonly<Record<string, string>> = {
  'ACCESS-DENIED': 'upsd refused: the client address or the login is not allowed; check upsd.conf / upsd.users',
  'UNKNOWN-UPS': 'upsd does not know this UPS: check the name in SOMNUS_UPS against `upsc -l <host>`',
  'VAR-NOT-SUPPORTED': 'the UPS does not report this variable',
  'INVALID-ARGUMENT': 'upsd did not understand the request',
  'DRIVER-NOT-CONNECTED': "upsd has no driver for this UPS running: start the UPS's NUT driver (upsdrvctl start)",
  'DATA-STALE': "the UPS's driver has lost contact with the hardware: check its cable or network",
  'INVALID-USERNAME': 'upsd refused the user name in SOMNUS_UPS_USERNAME',
  'INVALID-PASSWORD': 'upsd refused the password (is the secret empty?)',
  'ALREADY-SET-USERNAME': 'the connection already has a user name',
  'ALREADY-SET-PASSWORD': 'the connection already has a password',
  'USERNAME-REQUIRED': 'upsd wants a login: set SOMNUS_UPS_USERNAME and SOMNUS_UPS_CREDENTIAL_REF',
  'PASSWORD-REQUIRED': 'upsd wants a login: set SOMNUS_UPS_USERNAME and SOMNUS_UPS_CREDENTIAL_REF',
  'UNKNOWN-COMMAND': 'this upsd does not know the command (it may be older than NUT 1.5)',
};

export class NutServerError extends NutError {
  constructor(
    /** upsd's code, e.g. `UNKNOWN-UPS`. */
    readonly nutCode: string,
    readonly server: string,
    request: string,
  ) {
    super(`nut-${nutCode.toLowerCase()}`, `${server} answered ${request} with ERR ${nutCode}: ${SERVER_ERRORS[nutCode] ?? 'see the NUT network protocol for this error'}`);
  }
}

export class NutTimeoutError extends NutError {
  constructor(server: string, what: string, ms: number) {
    super('nut-timeout', `${server} did not answer ${what} within ${ms} ms`);
  }
}

export class NutUnreachableError extends NutError {
  constructor(server: string, detail: string) {
    super('nut-unreachable', `cannot talk to upsd at ${server}: ${detail}`);
  }
}

export interface NutUps {
  readonly name: string;
  readonly description: string;
}

/** A UPS reading with the UPS's name. */
export interface NutUpsReading extends UpsReading {
  readonly ups: string;
}

/** Splits a reply line into words; "quoted" words may hold spaces, with \" and \\ escaped. */
export function nutWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    if (i >= line.length) break;
    let word = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        word += line[i];
        i++;
      }
      i++; // the closing quote
    } else {
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') word += line[i++];
    }
    words.push(word);
  }
  return words;
}

/** A word as upsd's parser reads it: quoted, with `"` and `\` escaped. Refuses line breaks and NUL. */
export function nutQuote(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new Error('a NUT request argument cannot hold a line break or NUL');
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const MAX_LINE = 16 * 1024;
const MAX_LIST = 10_000;
const UPS_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VAR_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

interface Pending {
  /** Called with each reply line; returns true when the reply is complete. */
  readonly onLine: (line: string) => boolean;
  readonly fail: (error: NutError) => void;
}

export class NutClient {
  readonly server: string;
  private readonly port: number;
  private readonly timeoutMs: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly clock: Clock;
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private buffer = '';
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private failures = 0;
  private nextAttemptAt = 0;
  private lastFailure = '';
  private closed = false;

  constructor(private readonly options: NutClientOptions) {
    if (options.credential && !options.secrets) throw new Error('NutClient: a credential needs a secret store to read the password from');
    this.port = options.port ?? NUT_DEFAULT_PORT;
    this.server = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${this.port}`;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.reconnectBaseMs = options.reconnectBaseMs ?? 1_000;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** `LIST UPS`: the UPSes this upsd serves. */
  listUps(): Promise<NutUps[]> {
    return this.request('LIST UPS', 'LIST UPS', (words) => (words[0] === 'UPS' && words[1] !== undefined ? { name: words[1], description: words[2] ?? '' } : undefined));
  }

  /** `GET VAR <ups> <name>`: the value as upsd sends it. */
  async getVar(ups: string, name: string): Promise<string> {
    if (!UPS_NAME.test(ups)) throw new NutError('nut-bad-request', `"${ups}" is not a UPS name`);
    if (!VAR_NAME.test(name)) throw new NutError('nut-bad-request', `"${name}" is not a NUT variable name`);
    const request = `GET VAR ${ups} ${name}`;
    return this.enqueue(request, (line, done) => {
      const words = nutWords(line);
      if (words[0] === 'VAR' && words[1] === ups && words[2] === name && words[3] !== undefined) return done({ value: words[3] });
      return done({ error: new NutError('nut-protocol', `${this.server} answered ${request} with an unexpected line: ${line.slice(0, 120)}`) });
    });
  }

  /** ups.status, battery.charge and battery.runtime (the last two when the UPS reports them). */
  async readUps(ups: string): Promise<NutUpsReading> {
    const status = await this.getVar(ups, 'ups.status');
    const batteryCharge = await this.optionalNumber(ups, 'battery.charge');
    const batteryRuntimeSeconds = await this.optionalNumber(ups, 'battery.runtime');
    return {
      ups,
      status,
      ...(batteryCharge !== undefined ? { batteryCharge } : {}),
      ...(batteryRuntimeSeconds !== undefined ? { batteryRuntimeSeconds } : {}),
    };
  }

  /** Sends `LOGOUT` (when connected), closes the connection, and refuses further requests. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.socket && !this.pending) {
      await this.enqueue('LOGOUT', (_line, done) => done({ value: undefined })).catch(() => undefined);
    }
    this.closed = true;
    this.drop(new NutUnreachableError(this.server, 'the client was closed'), false);
  }

  private async optionalNumber(ups: string, name: string): Promise<number | undefined> {
    try {
      const value = Number(await this.getVar(ups, name));
      return Number.isFinite(value) ? value : undefined;
    } catch (error) {
      if (error instanceof NutServerError && error.nutCode === 'VAR-NOT-SUPPORTED') return undefined;
      throw error;
    }
  }

  private request<T>(request: string, listName: string, item: (words: string[]) => T | undefined): Promise<T[]> {
    const items: T[] = [];
    let begun = false;
    return this.enqueue<T[]>(request, (line, done) => {
      const words = nutWords(line);
      if (!begun) {
        if (line === `BEGIN ${listName}`) {
          begun = true;
          return false;
        }
        return done({ error: new NutError('nut-protocol', `${this.server} answered ${request} without BEGIN ${listName}: ${line.slice(0, 120)}`) });
      }
      if (line === `END ${listName}`) return done({ value: items });
      const parsed = item(words);
      if (parsed === undefined) return done({ error: new NutError('nut-protocol', `${this.server} sent an unexpected line in ${listName}: ${line.slice(0, 120)}`) });
      if (items.length >= MAX_LIST) return done({ error: new NutError('nut-protocol', `${this.server} sent more than ${MAX_LIST} entries for ${listName}`) });
      items.push(parsed);
      return false;
    });
  }

  /**
   * Queues one request. `onLine` sees each reply line (an `ERR` line is handled before it) and calls `done`
   * with the value or an error when the reply is complete.
   */
  private enqueue<T>(request: string, onLine: (line: string, done: (outcome: { value: T } | { error: NutError }) => true) => boolean, shownAs = request): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new NutUnreachableError(this.server, 'the client was closed');
      const socket = await this.connection();
      return this.exchange(socket, request, shownAs, onLine);
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private exchange<T>(socket: Socket, request: string, shownAs: string, onLine: (line: string, done: (outcome: { value: T } | { error: NutError }) => true) => boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const settle = (outcome: { value: T } | { error: NutError }): true => {
        if (!settled) {
          settled = true;
          clearTimeout(timer);
          this.pending = undefined;
          if ('error' in outcome) reject(outcome.error);
          else {
            this.failures = 0;
            resolve(outcome.value);
          }
        }
        return true;
      };
      const timer = setTimeout(() => {
        // The reply may still come; on a request/reply stream without ids it would answer the next request.
        const error = new NutTimeoutError(this.server, shownAs, this.timeoutMs);
        settle({ error });
        this.drop(error, true);
      }, this.timeoutMs);
      this.pending = {
        onLine: (line) => {
          if (line.startsWith('ERR ')) return settle({ error: new NutServerError(nutWords(line)[1] ?? 'UNKNOWN', this.server, shownAs) });
          return onLine(line, settle);
        },
        fail: (error) => settle({ error }),
      };
      socket.write(`${request}\n`);
    });
  }

  /** The open connection, or a new one (logged in) when the backoff allows. */
  private connection(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    if (this.connecting) return this.connecting;
    const wait = this.nextAttemptAt - this.clock.now();
    if (wait > 0) return Promise.reject(new NutUnreachableError(this.server, `${this.lastFailure}; next connection attempt in ${Math.ceil(wait / 1000)} s`));
    this.connecting = this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async open(): Promise<Socket> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const candidate = connect({ host: this.options.host, port: this.port });
      const timer = setTimeout(() => {
        candidate.destroy();
        reject(new NutTimeoutError(this.server, 'the connection', this.timeoutMs));
      }, this.timeoutMs);
      candidate.once('connect', () => {
        clearTimeout(timer);
        resolve(candidate);
      });
      candidate.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new NutUnreachableError(this.server, error.code ?? error.message));
      });
    }).catch((error: NutError) => {
      this.backOff(error);
      throw error;
    });

    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    this.buffer = '';
    this.socket = socket;
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => this.drop(new NutUnreachableError(this.server, `connection lost (${error.code ?? error.message})`), true));
    socket.on('close', () => this.drop(new NutUnreachableError(this.server, 'upsd closed the connection'), true));

    if (this.options.credential) {
      try {
        await this.login(socket, this.options.credential);
      } catch (error) {
        const typed = error instanceof NutError ? error : new NutError('nut-credential', 'login failed');
        if (this.socket === socket) this.drop(typed, true); // a half-logged-in connection is never reused
        throw typed;
      }
    }
    this.failures = 0;
    return socket;
  }

  private async login(socket: Socket, credential: UpsCredential): Promise<void> {
    const lookup = this.options.secrets ? await this.options.secrets.read(credential.passwordRef) : { found: false as const, reason: 'no secret store' };
    if (!lookup.found) throw new NutError('nut-credential', `the upsd password is missing: ${lookup.reason}`);
    const password = lookup.value.toString('utf8');
    // upsd 2.8 never answers a PASSWORD line holding "#", even quoted (seen against Debian's nut-server).
    if (password.includes('#')) throw new NutError('nut-credential', `the upsd password in secret "${credential.passwordRef}" holds "#", which upsd cannot take over the network: choose one without it`);
    let quoted: string;
    try {
      quoted = nutQuote(password);
    } catch {
      throw new NutError('nut-credential', `the upsd password in secret "${credential.passwordRef}" holds a line break: store it on one line`);
    }
    const ok = (request: string) => (line: string, done: (outcome: { value: undefined } | { error: NutError }) => true) =>
      done(line.startsWith('OK') ? { value: undefined } : { error: new NutError('nut-protocol', `${this.server} answered ${request} with: ${line.slice(0, 120)}`) });
    // Not queued: login runs inside the queued request that opened the connection.
    await this.exchange(socket, `USERNAME ${nutQuote(credential.username)}`, 'USERNAME', ok('USERNAME'));
    await this.exchange(socket, `PASSWORD ${quoted}`, 'PASSWORD', ok('PASSWORD')); // named without the password in errors
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      const pending = this.pending;
      if (!pending) continue; // nothing asked: an unsolicited line is ignored
      pending.onLine(line);
    }
    if (this.buffer.length > MAX_LINE) this.drop(new NutError('nut-protocol', `${this.server} sent a line longer than ${MAX_LINE} bytes`), true);
  }

  /** Closes the connection, fails the request in flight and, when it was a failure, schedules the backoff. */
  private drop(error: NutError, failure: boolean): void {
    const socket = this.socket;
    this.socket = undefined;
    this.buffer = '';
    if (socket) {
      socket.removeAllListeners('data');
      socket.removeAllListeners('close');
      socket.on('error', () => undefined);
      socket.destroy();
    }
    const pending = this.pending;
    this.pending = undefined;
    pending?.fail(error);
    if (failure && !this.closed) this.backOff(error);
  }

  private backOff(error: NutError): void {
    this.failures += 1;
    this.lastFailure = error.message.replace(`cannot talk to upsd at ${this.server}: `, '');
    const delay = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** (this.failures - 1));
    this.nextAttemptAt = this.clock.now() + delay;
  }
}
