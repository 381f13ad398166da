/**
 * Webhook driver (`node.driver.wake` / `driver.sleep` = `webhook`): POSTs the action as JSON to
 * `driver.webhook.url` (a smart plug's bridge, Home Assistant, a PDU's gateway), signed the Standard Webhooks
 * way (https://www.standardwebhooks.com) so the receiver can prove Somnus sent it:
 *
 *   webhook-id:        <commandId>-<attempt>   (the same for every HTTP retry of one attempt: receivers dedupe on it)
 *   webhook-timestamp: seconds since the epoch, fresh on every HTTP try
 *   webhook-signature: v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">
 *
 * The HMAC key is the secret named by `driver.webhook.secretRef`: `whsec_<base64>` is base64-decoded after
 * the prefix, as the Standard Webhooks libraries do; any other secret is used as raw bytes.
 *
 * Network errors, timeouts, 429 and 5xx are retried `driver.webhook.retries` times with exponential backoff
 * and jitter (429 / 503 `Retry-After` is honoured); other answers are final. A 2xx is done; its body may say
 * `{"state":"on"|"off"}`. `powerState` POSTs `action: "status"` the same way and reads that field (a GET is
 * never assumed). See apps/power/README.md ("Webhook driver").
 */
import { createHmac } from 'node:crypto';
import type { Node } from '@somnus/contracts';
import { Clock, systemClock } from '@somnus/runtime';
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

export type WebhookAction = PowerAction | 'status';

export interface WebhookDriverOptions {
  readonly secrets: SecretStore;
  /** Timestamps and the `time` field, and the waits between retries. */
  readonly clock?: Clock;
  /** Wait before the first retry; doubles each time up to `retryMaxMs`. Default 500 ms. */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** The longest `Retry-After` honoured; a receiver asking for more gets no further try now. Default 60 s. */
  readonly maxRetryAfterMs?: number;
  /** In [0, 1); replaced in unit tests to pin the jitter. */
  readonly random?: () => number;
  /** Response body read at most; default 64 KiB. */
  readonly maxResponseBytes?: number;
}

export class WebhookError extends PowerDriverError {
  constructor(
    code: string,
    message: string,
    retryable: boolean,
    /** The HTTP status of the last answer, when there was one. */
    readonly status?: number,
  ) {
    super(code, message, retryable);
  }
}

/** The JSON body POSTed for an action. */
export interface WebhookPayload {
  readonly action: WebhookAction;
  readonly node: { readonly id: string; readonly name: string; readonly mac: string | null; readonly ip: string | null };
  readonly commandId: string;
  readonly attempt: number;
  /** When the driver built the request (ISO 8601). */
  readonly time: string;
}

export function webhookPayload(action: WebhookAction, node: Node, ctx: Pick<DriverContext, 'commandId' | 'attempt'>, now: number): WebhookPayload {
  return {
    action,
    node: { id: node.id, name: node.name, mac: node.mac ?? null, ip: node.ip ?? null },
    commandId: ctx.commandId,
    attempt: ctx.attempt,
    time: new Date(now).toISOString(),
  };
}

const WHSEC = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The HMAC key from a stored secret: `whsec_<base64>` decoded, anything else as raw bytes. Throws when unusable. */
export function webhookSigningKey(secret: Buffer): Buffer {
  const text = secret.toString('utf8');
  if (text.startsWith(WHSEC)) {
    const encoded = text.slice(WHSEC.length);
    if (!encoded || encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
      throw new Error('a secret that starts with "whsec_" must continue with standard base64 (as Standard Webhooks issues them)');
    }
    return Buffer.from(encoded, 'base64');
  }
  if (secret.length === 0) throw new Error('the secret is empty');
  return secret;
}

/** Standard Webhooks v1 signature: `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")). */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The headers of one signed delivery. */
export function signedHeaders(key: Buffer, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'somnus-power',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(key, id, timestampSeconds, body),
  };
}

/** `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with jitter: base x 2^(retry-1), capped, then a random point in its upper half. */
export function backoffMs(retry: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

type Attempt =
  | { readonly kind: 'answer'; readonly status: number; readonly statusText: string; readonly retryAfter: string | null; readonly body: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'unreachable'; readonly cause: string };

type Delivery = { readonly ok: true; readonly status: number; readonly state?: ReportedPowerState; readonly tries: number } | { readonly ok: false; readonly error: WebhookError };

export class WebhookPowerDriver implements PowerDriver {
  readonly name = 'webhook';
  private readonly clock: Clock;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: WebhookDriverOptions) {
    this.clock = options.clock ?? systemClock;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.random = options.random ?? Math.random;
    this.maxResponseBytes = options.maxResponseBytes ?? 64 * 1024;
  }

  supports(_action: PowerAction, node: Node): SupportCheck {
    if (!node.driver.webhook) return { supported: false, reason: 'the node has no driver.webhook settings: set driver.webhook.url and driver.webhook.secretRef' };
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

  /** POSTs `action: "status"`; a 2xx whose body has no `state` means `unknown`. */
  async powerState(node: Node, ctx: DriverContext): Promise<PowerStateResult> {
    const delivery = await this.deliver('status', node, ctx);
    if (!delivery.ok) return { ok: false, driver: this.name, reason: delivery.error.message, error: delivery.error };
    return { ok: true, driver: this.name, state: delivery.state ?? 'unknown', detail: `status answered ${delivery.status}` };
  }

  /** The settings and the secret are there and the secret is usable; the receiver is not called. */
  async preflight(action: PowerAction, node: Node, _ctx: DriverContext): Promise<{ readonly ready: true } | { readonly ready: false; readonly reason: string; readonly code: string }> {
    const support = this.supports(action, node);
    if (!support.supported) return { ready: false, reason: support.reason, code: 'webhook-not-configured' };
    const key = await this.signingKey(node);
    return key.ok ? { ready: true } : { ready: false, reason: key.error.message, code: key.error.code };
  }

  private async act(action: PowerAction, node: Node, ctx: DriverContext): Promise<DriverResult> {
    const delivery = await this.deliver(action, node, ctx);
    if (!delivery.ok) return { ok: false, driver: this.name, reason: delivery.error.message, error: delivery.error };
    const tries = delivery.tries === 1 ? '' : ` after ${delivery.tries} tries`;
    const state = delivery.state ? `; the receiver reports the node ${delivery.state}` : '';
    return { ok: true, driver: this.name, detail: `${action} accepted by ${safeUrl(node.driver.webhook?.url)} (HTTP ${delivery.status})${tries}${state}` };
  }

  private async signingKey(node: Node): Promise<{ readonly ok: true; readonly key: Buffer } | { readonly ok: false; readonly error: WebhookError }> {
    const settings = node.driver.webhook;
    if (!settings) return { ok: false, error: new WebhookError('webhook-not-configured', `node ${node.name} has no driver.webhook settings (url, secretRef)`, false) };
    const lookup = await this.options.secrets.read(settings.secretRef);
    if (!lookup.found) return { ok: false, error: new WebhookError('webhook-secret-missing', `the signing secret of node ${node.name}'s webhook is missing: ${lookup.reason}`, false) };
    try {
      return { ok: true, key: webhookSigningKey(lookup.value) };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { ok: false, error: new WebhookError('webhook-secret-missing', `the signing secret "${settings.secretRef}" is unusable: ${why}`, false) };
    }
  }

  private async deliver(action: WebhookAction, node: Node, ctx: DriverContext): Promise<Delivery> {
    const settings = node.driver.webhook;
    const key = await this.signingKey(node);
    if (!key.ok) return key;
    if (!settings) return { ok: false, error: new WebhookError('webhook-not-configured', `node ${node.name} has no driver.webhook settings`, false) };
    const url = safeUrl(settings.url);
    const id = `${ctx.commandId}-${ctx.attempt}`;
    const body = JSON.stringify(webhookPayload(action, node, ctx, this.clock.now()));
    const tries = settings.retries + 1;
    let last: WebhookError | undefined;
    let retryAfter: string | null = null;

    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1 && last) {
        const wait = this.retryWait(retryAfter, attempt - 1);
        if (wait === null) {
          last = new WebhookError(last.code, `${last.message}; it asked to be retried later (Retry-After: ${retryAfter}) than this driver waits (${this.maxRetryAfterMs / 1000} s)`, true, last.status);
          break;
        }
        retryAfter = null;
        if (!(await this.pause(wait, ctx.signal))) return { ok: false, error: aborted(url) };
      }
      const timestamp = Math.floor(this.clock.now() / 1000);
      const answer = await this.post(settings.url, signedHeaders(key.key, id, timestamp, body), body, settings.timeoutSeconds * 1000, ctx.signal);
      switch (answer.kind) {
        case 'aborted':
          return { ok: false, error: aborted(url) };
        case 'timeout':
          last = new WebhookError('webhook-timeout', `${url} did not answer ${action} within ${settings.timeoutSeconds} s (${attempt} of ${tries} tries)`, true);
          continue;
        case 'unreachable':
          last = new WebhookError('webhook-unreachable', `cannot reach ${url} for ${action}: ${answer.cause} (${attempt} of ${tries} tries)`, true);
          continue;
        case 'answer':
          break;
      }
      const { status } = answer;
      if (status >= 200 && status < 300) return { ok: true, status, state: stateOf(answer.body), tries: attempt };
      const said = `HTTP ${status}${answer.statusText ? ` ${answer.statusText}` : ''}${excerpt(answer.body)}`;
      if (status === 429 || status >= 500) {
        last = new WebhookError('webhook-failed', `${url} answered ${action} with ${said} (${attempt} of ${tries} tries)`, true, status);
        retryAfter = answer.retryAfter;
        continue;
      }
      const hint = status >= 300 && status < 400 ? ' (redirects are not followed: set driver.webhook.url to the final address)' : status === 401 || status === 403 ? ' (check that the receiver has the same secret)' : '';
      return { ok: false, error: new WebhookError('webhook-rejected', `${url} rejected ${action} with ${said}${hint}; not retried`, false, status) };
    }
    return { ok: false, error: last ?? new WebhookError('webhook-failed', `${url}: no try was made`, true) };
  }

  /** How long to wait before retry `retry`, or null when the receiver asked for longer than we wait. */
  private retryWait(retryAfter: string | null, retry: number): number | null {
    const asked = parseRetryAfter(retryAfter, this.clock.now());
    if (asked === null) return backoffMs(retry, this.retryBaseMs, this.retryMaxMs, this.random);
    return asked > this.maxRetryAfterMs ? null : asked;
  }

  /** Waits on the clock; false when aborted first. */
  private pause(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.clock.sleep(ms).then(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  private async post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, signal?: AbortSignal): Promise<Attempt> {
    if (signal?.aborted) return { kind: 'aborted' };
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
      const text = await readBounded(response, this.maxResponseBytes);
      return { kind: 'answer', status: response.status, statusText: response.statusText, retryAfter: response.headers.get('retry-after'), body: text };
    } catch (error) {
      if (timedOut) return { kind: 'timeout' };
      if (signal?.aborted) return { kind: 'aborted' };
      return { kind: 'unreachable', cause: networkCause(error) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function aborted(url: string): WebhookError {
  return new WebhookError('webhook-unreachable', `the call to ${url} was stopped because the power service is shutting down`, true);
}

/** Reads at most `limit` bytes of the body and drops the rest. */
async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** `{"state":"on"|"off"}` in a 2xx body, if present. */
function stateOf(body: string): ReportedPowerState | undefined {
  if (!body.trim()) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'state' in parsed) {
      const state = (parsed as { state: unknown }).state;
      if (state === 'on' || state === 'off') return state;
    }
  } catch {
    // A plain-text "ok" is a fine answer to an action; it just carries no state.
  }
  return undefined;
}

function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text ? `: ${text.slice(0, 200)}` : '';
}

/** The URL without credentials or query (a token in `?key=` must not reach a log). */
function safeUrl(url: string | undefined): string {
  if (!url) return 'the webhook';
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'the webhook';
  }
}

function networkCause(error: unknown): string {
  // fetch wraps the socket error in `cause`; duck-typed, since errors may come from another realm (Jest, workers).
  const outer = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const code = outer?.cause?.code;
  if (typeof code === 'string') return code;
  const message = outer?.cause?.message ?? outer?.message;
  return typeof message === 'string' ? message : String(error);
}
