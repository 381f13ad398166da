/**
 * A short conversation with one BMC: read the service root, log in (a Redfish session, or HTTP basic auth when
 * allowed and the service has no SessionService), GET and POST resources as JSON, log out.
 *
 * Each exchange is bounded by `timeoutMs`. 5xx and 429 answers are retried up to `retries` times with
 * exponential backoff and jitter; a `Retry-After` is honoured up to `maxRetryAfterMs` (asking for longer ends
 * the call). Timeouts and refused connections are not retried here: the actuation layer retries the attempt.
 * Every failure is a `RedfishError` with a stable code; no message carries the password or the session token.
 */
import type { Clock } from '@somnus/runtime';
import { backoffMs, parseRetryAfter } from '../webhook.driver';
import { RedfishError } from './redfish-errors';
import { RedfishDocument, isDocument, linkOf, redfishErrorMessages, sessionsLink } from './redfish-resources';
import { ExchangeOutcome, HttpExchange, RedfishEndpoint, exchange } from './redfish-transport';

export interface RedfishClientOptions {
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly maxRetryAfterMs: number;
  readonly maxResponseBytes: number;
  readonly clock: Clock;
  readonly random: () => number;
}

export type Answer = Extract<ExchangeOutcome, { kind: 'answer' }>;

type Auth = { readonly kind: 'none' } | { readonly kind: 'session'; readonly token: string; readonly location?: string } | { readonly kind: 'basic'; readonly header: string };

const ROOT = '/redfish/v1';

export class RedfishClient {
  private auth: Auth = { kind: 'none' };

  constructor(
    private readonly endpoint: RedfishEndpoint,
    /** Who we talk to, for messages: "node-a's BMC at https://10.0.0.5:443". */
    readonly label: string,
    private readonly options: RedfishClientOptions,
    private readonly signal?: AbortSignal,
  ) {}

  get authentication(): Auth['kind'] {
    return this.auth.kind;
  }

  /** The service root; readable without credentials (DSP0266). */
  serviceRoot(): Promise<RedfishDocument> {
    return this.get(ROOT);
  }

  /**
   * Logs in. With a SessionService: POST UserName/Password to its Sessions collection and keep the
   * X-Auth-Token. Without one: basic auth when `allowBasic`, else a refusal that says how to allow it.
   */
  async login(root: RedfishDocument, userName: string, password: string, allowBasic: boolean): Promise<void> {
    let link = sessionsLink(root);
    if (link && 'via' in link) {
      const service = await this.get(link.via);
      const sessions = linkOf(service['Sessions']);
      link = sessions ? { sessions } : null;
    }
    if (!link) {
      if (!allowBasic) {
        throw new RedfishError('redfish-auth-failed', `${this.label} has no SessionService to log in to; allow HTTP basic auth for it (allowBasicAuth) if that is acceptable`, false);
      }
      this.auth = { kind: 'basic', header: `Basic ${Buffer.from(`${userName}:${password}`).toString('base64')}` };
      return;
    }
    const answer = await this.call({ method: 'POST', path: link.sessions, headers: jsonHeaders(), body: JSON.stringify({ UserName: userName, Password: password }) }, false);
    if (answer.status === 401 || answer.status === 403) throw this.authFailed(answer, userName);
    if ((answer.status === 404 || answer.status === 405) && allowBasic) {
      this.auth = { kind: 'basic', header: `Basic ${Buffer.from(`${userName}:${password}`).toString('base64')}` };
      return;
    }
    if (answer.status < 200 || answer.status >= 300) throw this.badAnswer('POST', link.sessions, answer);
    const token = header(answer, 'x-auth-token');
    if (!token) throw new RedfishError('redfish-bad-response', `${this.label} accepted the login but sent no X-Auth-Token`, false, answer.status);
    const location = this.sessionLocation(answer);
    this.auth = { kind: 'session', token, ...(location ? { location } : {}) };
  }

  /** Deletes the session (best effort, never throws, not cut short by the caller's abort: a session left open
   *  holds one of the BMC's few session slots until it times out). */
  async logout(): Promise<void> {
    const auth = this.auth;
    this.auth = { kind: 'none' };
    if (auth.kind !== 'session' || !auth.location) return;
    await exchange(this.endpoint, { method: 'DELETE', path: auth.location, headers: { ...baseHeaders(), 'x-auth-token': auth.token } }, Math.min(this.options.timeoutMs, 5000), 4096);
  }

  async get(path: string): Promise<RedfishDocument> {
    const answer = await this.call({ method: 'GET', path, headers: baseHeaders() }, path !== ROOT);
    if (answer.status === 401 || answer.status === 403) throw this.authFailed(answer);
    if (answer.status < 200 || answer.status >= 300) throw this.badAnswer('GET', path, answer);
    return this.json(path, answer);
  }

  /** POSTs JSON; any non-5xx answer comes back for the caller to judge (a refused action is a 4xx). */
  async post(path: string, body: unknown): Promise<Answer> {
    const answer = await this.call({ method: 'POST', path, headers: jsonHeaders(), body: JSON.stringify(body) }, true);
    if (answer.status === 401 || answer.status === 403) throw this.authFailed(answer);
    return answer;
  }

  /** The Redfish error messages of an answer, for a caller's own refusal message. */
  said(answer: Answer): string {
    const messages = redfishErrorMessages(parseJson(answer.body));
    return `HTTP ${answer.status}${messages ? `: ${messages}` : ''}`;
  }

  private async call(request: HttpExchange, authenticated: boolean): Promise<Answer> {
    const tries = this.options.retries + 1;
    let retryAfter: string | null = null;
    let last: Answer | undefined;
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) {
        const wait = this.retryWait(retryAfter, attempt - 1);
        if (wait === null) {
          throw new RedfishError(
            'redfish-unreachable',
            `${this.label} answered ${request.method} ${request.path} with ${last ? this.said(last) : 'an error'} and asked to be retried later (Retry-After: ${retryAfter}) than this driver waits (${this.options.maxRetryAfterMs / 1000} s)`,
            true,
            last?.status,
          );
        }
        if (!(await this.pause(wait))) throw this.stopped();
      }
      const headers = authenticated ? { ...request.headers, ...this.authHeaders() } : request.headers;
      const outcome = await exchange(this.endpoint, { ...request, headers }, this.options.timeoutMs, this.options.maxResponseBytes, this.signal);
      switch (outcome.kind) {
        case 'aborted':
          throw this.stopped();
        case 'timeout':
          throw new RedfishError('redfish-timeout', `${this.label} did not answer ${request.method} ${request.path} within ${this.options.timeoutMs} ms`, true);
        case 'unreachable':
          throw new RedfishError('redfish-unreachable', `cannot reach ${this.label}: ${outcome.cause}; check bmc.address, bmc.port and bmc.scheme`, true);
        case 'tls-untrusted':
          throw new RedfishError(
            'redfish-tls-untrusted',
            `${this.label} presented a certificate that is not trusted (${outcome.cause}); give its CA in bmc.tls.caRef or pin its SHA-256 in bmc.tls.pinnedSha256 (bmc.tls.insecure: true turns checking off)`,
            false,
          );
        case 'answer':
          break;
      }
      if (outcome.status !== 429 && outcome.status < 500) return outcome;
      last = outcome;
      retryAfter = header(outcome, 'retry-after') ?? null;
    }
    throw new RedfishError('redfish-unreachable', `${this.label} answered ${request.method} ${request.path} with ${last ? this.said(last) : 'an error'} ${tries} times`, true, last?.status);
  }

  private authHeaders(): Record<string, string> {
    switch (this.auth.kind) {
      case 'session':
        return { 'x-auth-token': this.auth.token };
      case 'basic':
        return { authorization: this.auth.header };
      case 'none':
        return {};
    }
  }

  private json(path: string, answer: Answer): RedfishDocument {
    const type = header(answer, 'content-type') ?? '';
    const text = answer.body.trimStart();
    if (/html/i.test(type) || text.startsWith('<')) {
      throw new RedfishError('redfish-bad-response', `${this.label} answered GET ${path} with an HTML page, not Redfish JSON: is bmc.port the Redfish service (usually 443) rather than a web UI?`, false, answer.status);
    }
    if (answer.truncated) throw new RedfishError('redfish-bad-response', `${this.label} answered GET ${path} with more than ${this.options.maxResponseBytes} bytes`, false, answer.status);
    const parsed = parseJson(answer.body);
    if (!isDocument(parsed)) {
      throw new RedfishError('redfish-bad-response', `${this.label} answered GET ${path} with ${parsed === undefined ? 'malformed JSON' : 'JSON that is not an object'}`, false, answer.status);
    }
    return parsed;
  }

  /** The session's path from `Location` (same service only), else the body's `@odata.id`. */
  private sessionLocation(answer: Answer): string | undefined {
    const location = header(answer, 'location');
    if (location) {
      try {
        const base = `${this.endpoint.scheme}://${hostForUrl(this.endpoint.host)}:${this.endpoint.port}`;
        const url = new URL(location, base);
        // A Location naming another host is not followed: the token would be sent there.
        if (url.origin === new URL(base).origin && url.pathname.startsWith('/redfish/')) return url.pathname;
      } catch {
        // unreadable: fall back to the body
      }
    }
    return linkOf(parseJson(answer.body));
  }

  private authFailed(answer: Answer, userName?: string): RedfishError {
    const who = userName ? ` for user ${userName}` : '';
    return new RedfishError(
      'redfish-auth-failed',
      `${this.label} refused the credentials${who} (${this.said(answer)}); check bmc.username and the secret named by bmc.credentialRef`,
      false,
      answer.status,
    );
  }

  private badAnswer(method: string, path: string, answer: Answer): RedfishError {
    return new RedfishError('redfish-bad-response', `${this.label} answered ${method} ${path} with ${this.said(answer)}`, false, answer.status);
  }

  private stopped(): RedfishError {
    return new RedfishError('redfish-unreachable', `the call to ${this.label} was stopped because the power service is shutting down`, true);
  }

  private retryWait(retryAfter: string | null, retry: number): number | null {
    const asked = parseRetryAfter(retryAfter, this.options.clock.now());
    if (asked === null) return backoffMs(retry, this.options.retryBaseMs, this.options.retryMaxMs, this.options.random);
    return asked > this.options.maxRetryAfterMs ? null : asked;
  }

  private pause(ms: number): Promise<boolean> {
    const signal = this.signal;
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.options.clock.sleep(ms).then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }
}

function baseHeaders(): Record<string, string> {
  return { accept: 'application/json', 'odata-version': '4.0', 'user-agent': 'somnus-power' };
}

function jsonHeaders(): Record<string, string> {
  return { ...baseHeaders(), 'content-type': 'application/json' };
}

function header(answer: Answer, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
