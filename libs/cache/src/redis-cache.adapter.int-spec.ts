import Redis from 'ioredis';
import { describeWithServices, realServices, uniqueName } from '@somnus/testing';
import { describeCacheContract } from './cache.contract';
import { createCache } from './create-cache';
import { RedisCacheAdapter } from './redis-cache.adapter';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeWithServices(['redis'], 'RedisCacheAdapter', () => {
  const namespaces: string[] = [];
  const namespace = (): string => {
    const name = uniqueName('cache');
    namespaces.push(name);
    return name;
  };
  let raw: Redis;

  beforeAll(() => {
    raw = new Redis(realServices.redisUrl, { maxRetriesPerRequest: 1 });
  });

  afterAll(async () => {
    // Leave nothing behind in a shared Redis; every key also carries a TTL, so this is tidiness, not safety.
    for (const prefix of namespaces) {
      let cursor = '0';
      for (let round = 0; round < 100; round++) {
        const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length > 0) await raw.del(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
    }
    await raw.quit();
  });

  describeCacheContract('redis', () => ({
    make: (families) => new RedisCacheAdapter({ url: realServices.redisUrl, namespace: namespace(), families }),
    // Redis keeps real time: the contract's 1-second TTLs are checked by waiting 1.2 s.
    passTime: (ms) => sleep(ms),
  }));

  describe('in Redis', () => {
    it('writes namespace:family:key with the family TTL', async () => {
      const ns = namespace();
      const cache = new RedisCacheAdapter({ url: realServices.redisUrl, namespace: ns, families: { 'netbox-devices': 300 } });
      await cache.set('netbox-devices', 'gpu-07', { rack: 'r12' });

      expect(await raw.get(`${ns}:netbox-devices:gpu-07`)).toBe('{"rack":"r12"}');
      const ttlMs = await raw.pttl(`${ns}:netbox-devices:gpu-07`);
      expect(ttlMs).toBeGreaterThan(290_000);
      expect(ttlMs).toBeLessThanOrEqual(300_000);
      await cache.close();
    });

    it('counts a key removed by someone else before its TTL as a miss, not an expiration', async () => {
      const ns = namespace();
      const cache = new RedisCacheAdapter({ url: realServices.redisUrl, namespace: ns });
      await cache.set('netbox-devices', 'n1', 'x');
      await raw.del(`${ns}:netbox-devices:n1`);

      expect(await cache.get('netbox-devices', 'n1')).toBeUndefined();
      expect(cache.stats().families['netbox-devices']).toMatchObject({ misses: 1, expirations: 0 });
      await cache.close();
    });

    it('reads values written by another replica of the same service', async () => {
      const ns = namespace();
      const writer = new RedisCacheAdapter({ url: realServices.redisUrl, namespace: ns });
      const reader = new RedisCacheAdapter({ url: realServices.redisUrl, namespace: ns });
      await writer.set('openstack-aggregates', 'gpu-a100', ['h1', 'h2']);
      expect(await reader.get('openstack-aggregates', 'gpu-a100')).toEqual(['h1', 'h2']);
      await Promise.all([writer.close(), reader.close()]);
    });

    it('does not close a client it was given', async () => {
      const cache = new RedisCacheAdapter({ client: raw, namespace: namespace() });
      await cache.ping();
      await cache.close();
      expect(await raw.ping()).toBe('PONG');
    });

    it('createCache picks Redis when a URL is configured', async () => {
      const cache = createCache({ url: realServices.redisUrl, namespace: namespace() });
      expect(cache.kind).toBe('redis');
      await cache.ping();
      await cache.close();
    });

    it('ping names the problem when Redis is unreachable', async () => {
      // Port 1 on loopback refuses connections at once.
      const cache = new RedisCacheAdapter({ url: 'redis://127.0.0.1:1', namespace: namespace() });
      await expect(cache.ping()).rejects.toThrow(/redis cache unreachable/);
      await cache.close();
    });
  });
});
