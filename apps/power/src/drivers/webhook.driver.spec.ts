import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { WebhookPowerDriver, backoffMs, parseRetryAfter, signWebhook, signedHeaders, webhookPayload, webhookSigningKey } from './webhook.driver';
import { InMemorySecretStore } from './secret-store';
import { testNode } from './testing/test-node';

describe('Standard Webhooks signing', () => {
  const body = '{"action":"wake"}';
  const at = new Date('2025-03-01T12:00:00Z');
  const seconds = Math.floor(at.getTime() / 1000);

  it('matches the reference library for a whsec_ secret', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const key = webhookSigningKey(Buffer.from(secret));
    expect(signWebhook(key, 'cmd-1-1', seconds, body)).toBe(new Webhook(secret).sign('cmd-1-1', at, body));
  });

  it('matches the reference library for a raw secret, used as its bytes', () => {
    const secret = Buffer.from('not-base64 at all ✓');
    const key = webhookSigningKey(secret);
    expect(key.equals(secret)).toBe(true);
    expect(signWebhook(key, 'id', seconds, body)).toBe(new Webhook(new Uint8Array(secret), { format: 'raw' }).sign('id', at, body));
  });

  it('puts id, timestamp and signature in the headers', () => {
    const key = Buffer.from('k');
    expect(signedHeaders(key, 'cmd-9-3', seconds, body)).toEqual({
      'content-type': 'application/json',
      'user-agent': 'somnus-power',
      'webhook-id': 'cmd-9-3',
      'webhook-timestamp': String(seconds),
      'webhook-signature': signWebhook(key, 'cmd-9-3', seconds, body),
    });
  });

  it('refuses an empty secret or a whsec_ secret that is not base64, without echoing it', () => {
    expect(() => webhookSigningKey(Buffer.alloc(0))).toThrow('empty');
    expect(() => webhookSigningKey(Buffer.from('whsec_not*base64'))).toThrow('standard base64');
    expect(() => webhookSigningKey(Buffer.from('whsec_not*base64'))).not.toThrow('not*base64');
    expect(() => webhookSigningKey(Buffer.from('whsec_'))).toThrow('standard base64');
  });
});

describe('retry timing', () => {
  it('backs off exponentially with jitter in the upper half, capped', () => {
    expect(backoffMs(1, 500, 30_000, () => 0)).toBe(250);
    expect(backoffMs(1, 500, 30_000, () => 0.999999)).toBe(500);
    expect(backoffMs(3, 500, 30_000, () => 0.5)).toBe(1500);
    expect(backoffMs(20, 500, 30_000, () => 1)).toBe(30_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-03-01T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('the payload and settings', () => {
  it('carries the action, the node, the command and the time', () => {
    const node = testNode({ ip: undefined });
    expect(webhookPayload('power-off', node, { commandId: 'c', attempt: 1 }, Date.parse('2025-03-01T12:00:00Z'))).toEqual({
      action: 'power-off',
      node: { id: node.id, name: 'node-a', mac: '52:54:00:12:34:56', ip: null },
      commandId: 'c',
      attempt: 1,
      time: '2025-03-01T12:00:00.000Z',
    });
  });

  it('refuses a node without driver.webhook, naming what to set', async () => {
    const driver = new WebhookPowerDriver({ secrets: new InMemorySecretStore() });
    expect(driver.supports('wake', testNode())).toEqual({ supported: false, reason: expect.stringContaining('driver.webhook.url') });
    const result = await driver.wake(testNode(), { commandId: 'c', attempt: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'webhook-not-configured', retryable: false } });
  });
});
