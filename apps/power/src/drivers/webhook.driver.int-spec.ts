// The webhook driver against a real HTTP receiver on 127.0.0.1 that checks every delivery with the independent
// `standardwebhooks` library: signatures (whsec_ and raw secrets), retries on 503 with Retry-After, no retry
// on 400, timeouts, and a receiver with another secret.
import { IncomingHttpHeaders, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Clock } from '@somnus/runtime';
import { WebhookPowerDriver } from './webhook.driver';
import { InMemorySecretStore } from './secret-store';
import { testNode } from './testing/test-node';

const WHSEC = `whsec_${randomBytes(24).toString('base64')}`;
const RAW = 'plain text secret: not base64!';

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** What the receiver's `standardwebhooks` verification said: the payload, or the error message. */
  readonly verified: { ok: true; payload: unknown } | { ok: false; error: string };
}

type Reply = (res: ServerResponse, delivery: Delivery) => void;

/** A webhook receiver: verifies each delivery with `standardwebhooks`, then answers with the next reply. */
class Receiver {
  readonly deliveries: Delivery[] = [];
  replies: Reply[] = [];
  fallback: Reply = (res, delivery) => {
    res.writeHead(delivery.verified.ok ? 200 : 401).end(delivery.verified.ok ? 'ok' : 'bad signature');
  };
  private readonly held: ServerResponse[] = [];
  private server!: Server;
  url = '';

  constructor(private readonly verifier: Webhook) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let verified: Delivery['verified'];
        try {
          verified = { ok: true, payload: this.verifier.verify(body, req.headers as Record<string, string>) };
        } catch (error) {
          verified = { ok: false, error: (error as Error).message };
        }
        const delivery = { headers: req.headers, body, verified };
        this.deliveries.push(delivery);
        (this.replies.shift() ?? this.fallback)(res, delivery);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/power?token=abc`;
  }

  /** A reply that never answers (until the receiver stops). */
  hang: Reply = (res) => void this.held.push(res);

  reset(): void {
    this.deliveries.length = 0;
    this.replies = [];
    for (const res of this.held.splice(0)) res.destroy();
  }

  async stop(): Promise<void> {
    this.reset();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The real clock, except that waits are recorded and last at most 20 ms: the test checks what was asked. */
function recordingClock(): Clock & { waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    now: () => Date.now(),
    sleep: (ms) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20)));
    },
  };
}

const receiver = new Receiver(new Webhook(WHSEC));
const rawReceiver = new Receiver(new Webhook(Buffer.from(RAW), { format: 'raw' }));
const strangerReceiver = new Receiver(new Webhook(`whsec_${randomBytes(24).toString('base64')}`));
const secrets = new InMemorySecretStore({ 'plug-whsec': WHSEC, 'plug-raw': RAW, 'plug-bad': 'whsec_***' });
const ctx = { commandId: 'cmd-7', attempt: 2 };

function nodeFor(url: string, settings: { secretRef?: string; retries?: number; timeoutSeconds?: number } = {}) {
  return testNode({
    name: 'plug-node',
    driver: { wake: 'webhook', sleep: 'webhook', webhook: { url, secretRef: settings.secretRef ?? 'plug-whsec', retries: settings.retries ?? 3, timeoutSeconds: settings.timeoutSeconds ?? 5 }, preSleepHooks: [] },
  });
}

beforeAll(async () => {
  await Promise.all([receiver.start(), rawReceiver.start(), strangerReceiver.start()]);
});
afterEach(() => {
  receiver.reset();
  rawReceiver.reset();
  strangerReceiver.reset();
});
afterAll(async () => {
  await Promise.all([receiver.stop(), rawReceiver.stop(), strangerReceiver.stop()]);
});

describe('WebhookPowerDriver against a Standard Webhooks receiver', () => {
  it('POSTs a signed JSON body the receiver verifies (whsec_ secret)', async () => {
    const driver = new WebhookPowerDriver({ secrets });
    const node = nodeFor(receiver.url);
    const result = await driver.wake(node, ctx);
    expect(result).toMatchObject({ ok: true, driver: 'webhook' });
    expect(receiver.deliveries).toHaveLength(1);
    const [delivery] = receiver.deliveries;
    expect(delivery?.verified).toEqual({
      ok: true,
      payload: { action: 'wake', node: { id: node.id, name: 'plug-node', mac: '52:54:00:12:34:56', ip: '10.0.1.17' }, commandId: 'cmd-7', attempt: 2, time: expect.any(String) },
    });
    expect(delivery?.headers['webhook-id']).toBe('cmd-7-2');
    expect(delivery?.headers['content-type']).toBe('application/json');
    // The detail names the endpoint without its query string (it may hold a token).
    expect(result.ok && result.detail).toContain(`${receiver.url.split('?')[0]} (HTTP 200)`);
    expect(JSON.stringify(result)).not.toContain('token=abc');
  });

  it('signs with a raw secret as bytes', async () => {
    const result = await new WebhookPowerDriver({ secrets }).sleep(nodeFor(rawReceiver.url, { secretRef: 'plug-raw' }), ctx);
    expect(result.ok).toBe(true);
    expect(rawReceiver.deliveries[0]?.verified).toMatchObject({ ok: true, payload: { action: 'sleep' } });
  });

  it('retries a 503 after the Retry-After it was given, with the same id and a fresh valid signature', async () => {
    const clock = recordingClock();
    const unavailable: Reply = (res) => void res.writeHead(503, { 'retry-after': '2' }).end('warming up');
    receiver.replies = [unavailable, unavailable];
    const result = await new WebhookPowerDriver({ secrets, clock }).wake(nodeFor(receiver.url), ctx);
    expect(result).toMatchObject({ ok: true, detail: expect.stringContaining('after 3 tries') });
    expect(clock.waits).toEqual([2000, 2000]);
    expect(receiver.deliveries.map((d) => d.headers['webhook-id'])).toEqual(['cmd-7-2', 'cmd-7-2', 'cmd-7-2']);
    expect(receiver.deliveries.every((d) => d.verified.ok)).toBe(true);
  });

  it('gives up after the configured retries on 5xx, backing off between tries', async () => {
    const clock = recordingClock();
    receiver.fallback = (res) => void res.writeHead(500).end('relay stuck');
    try {
      const result = await new WebhookPowerDriver({ secrets, clock, retryBaseMs: 100, random: () => 0.5 }).wake(nodeFor(receiver.url, { retries: 2 }), ctx);
      expect(result).toMatchObject({ ok: false, error: { code: 'webhook-failed', retryable: true, status: 500 } });
      expect(!result.ok && result.reason).toContain('relay stuck');
      expect(receiver.deliveries).toHaveLength(3);
      expect(clock.waits).toEqual([75, 150]);
    } finally {
      receiver.fallback = (res, delivery) => void res.writeHead(delivery.verified.ok ? 200 : 401).end();
    }
  });

  it('does not retry a 400', async () => {
    const clock = recordingClock();
    receiver.replies = [(res) => void res.writeHead(400).end('unknown outlet')];
    const result = await new WebhookPowerDriver({ secrets, clock }).powerOff(nodeFor(receiver.url), ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'webhook-rejected', retryable: false, status: 400 } });
    expect(!result.ok && result.reason).toContain('unknown outlet');
    expect(receiver.deliveries).toHaveLength(1);
    expect(clock.waits).toEqual([]);
  });

  it('times out a receiver that does not answer, and retries it', async () => {
    const clock = recordingClock();
    receiver.replies = [receiver.hang, receiver.hang];
    const result = await new WebhookPowerDriver({ secrets, clock }).wake(nodeFor(receiver.url, { timeoutSeconds: 0.3, retries: 1 }), ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'webhook-timeout', retryable: true } });
    expect(receiver.deliveries).toHaveLength(2);
  });

  it('is rejected by a receiver that holds another secret', async () => {
    const result = await new WebhookPowerDriver({ secrets }).wake(nodeFor(strangerReceiver.url), ctx);
    expect(strangerReceiver.deliveries[0]?.verified).toEqual({ ok: false, error: 'No matching signature found' });
    expect(result).toMatchObject({ ok: false, error: { code: 'webhook-rejected', status: 401 } });
    expect(!result.ok && result.reason).toContain('same secret');
  });

  it('reports an unreachable receiver', async () => {
    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await new WebhookPowerDriver({ secrets, clock: recordingClock() }).wake(nodeFor(`http://127.0.0.1:${port}/`, { retries: 1 }), ctx);
    expect(result).toMatchObject({ ok: false, error: { code: 'webhook-unreachable', retryable: true } });
    expect(!result.ok && result.reason).toContain('ECONNREFUSED');
  });

  it('reads the power state from a status answer', async () => {
    receiver.replies = [(res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"off"}'), (res) => void res.writeHead(204).end()];
    const driver = new WebhookPowerDriver({ secrets });
    expect(await driver.powerState(nodeFor(receiver.url), ctx)).toMatchObject({ ok: true, state: 'off' });
    expect(await driver.powerState(nodeFor(receiver.url), ctx)).toMatchObject({ ok: true, state: 'unknown' });
    expect(receiver.deliveries[0]?.verified).toMatchObject({ ok: true, payload: { action: 'status' } });
  });

  it('refuses without a usable secret and sends nothing', async () => {
    const driver = new WebhookPowerDriver({ secrets });
    const missing = await driver.wake(nodeFor(receiver.url, { secretRef: 'absent' }), ctx);
    expect(missing).toMatchObject({ ok: false, error: { code: 'webhook-secret-missing', retryable: false } });
    const malformed = await driver.wake(nodeFor(receiver.url, { secretRef: 'plug-bad' }), ctx);
    expect(malformed).toMatchObject({ ok: false, error: { code: 'webhook-secret-missing' } });
    expect(JSON.stringify(malformed)).not.toContain('***');
    expect(await driver.preflight('wake', nodeFor(receiver.url, { secretRef: 'absent' }), ctx)).toMatchObject({ ready: false, code: 'webhook-secret-missing' });
    expect(await driver.preflight('wake', nodeFor(receiver.url), ctx)).toEqual({ ready: true });
    expect(receiver.deliveries).toHaveLength(0);
  });

  it('stops retrying when aborted', async () => {
    const controller = new AbortController();
    const clock: Clock = { now: () => Date.now(), sleep: () => new Promise(() => controller.abort()) };
    receiver.replies = [(res) => void res.writeHead(503).end()];
    const result = await new WebhookPowerDriver({ secrets, clock }).wake(nodeFor(receiver.url), { ...ctx, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, error: { code: 'webhook-unreachable', message: expect.stringContaining('shutting down') } });
    expect(receiver.deliveries).toHaveLength(1);
  });
});
