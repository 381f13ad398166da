// The behaviour every Cache adapter promises, written once and run against each adapter (memory in the unit
// tier, Redis in the integration tier), so the all-in-one and the distributed mode cannot drift apart.
import { Cache, CacheFamilies } from './cache.port';

export interface CacheHarness {
  /** A fresh cache in a namespace of its own. */
  make(families: CacheFamilies): Cache;
  /** Lets `ms` of the cache's time pass: a fake clock jumps, Redis needs real waiting. */
  passTime(ms: number): Promise<void>;
}

const families: CacheFamilies = { default: 60, 'netbox-devices': 300, 'short-lived': 1 };

export function describeCacheContract(adapter: string, makeHarness: () => CacheHarness): void {
  describe(`Cache contract: ${adapter}`, () => {
    let harness: CacheHarness;
    const open: Cache[] = [];
    const make = (table: CacheFamilies = families): Cache => {
      const cache = harness.make(table);
      open.push(cache);
      return cache;
    };

    beforeEach(() => {
      harness = makeHarness();
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((cache) => cache.close()));
    });

    it('returns what was set, as a JSON copy', async () => {
      const cache = make();
      const device = { name: 'gpu-07', rack: 'r12', seenAt: new Date('2024-05-01T10:00:00Z'), gpus: [0, 1] };
      await cache.set('netbox-devices', 'gpu-07', device);

      const read = await cache.get<Record<string, unknown>>('netbox-devices', 'gpu-07');
      expect(read).toEqual({ name: 'gpu-07', rack: 'r12', seenAt: '2024-05-01T10:00:00.000Z', gpus: [0, 1] });
      expect(read).not.toBe(device);
    });

    it('answers undefined for a key never set, and null when null was set', async () => {
      const cache = make();
      await cache.set('netbox-devices', 'absent-on-purpose', null);
      expect(await cache.get('netbox-devices', 'never-set')).toBeUndefined();
      expect(await cache.get('netbox-devices', 'absent-on-purpose')).toBeNull();
    });

    it('expires each family after its own TTL, and an explicit TTL overrides the family', async () => {
      const cache = make();
      await cache.set('short-lived', 'a', 1);
      await cache.set('netbox-devices', 'b', 2);
      await cache.set('netbox-devices', 'c', 3, 1);
      await cache.set('short-lived', 'd', 4, 60);

      await harness.passTime(1200);

      expect(await cache.get('short-lived', 'a')).toBeUndefined();
      expect(await cache.get('netbox-devices', 'b')).toBe(2);
      expect(await cache.get('netbox-devices', 'c')).toBeUndefined();
      expect(await cache.get('short-lived', 'd')).toBe(4);
      const stats = cache.stats();
      expect(stats.families['short-lived']).toMatchObject({ hits: 1, misses: 1, expirations: 1, sets: 2 });
      expect(stats.families['netbox-devices']).toMatchObject({ hits: 1, misses: 1, expirations: 1, sets: 2 });
      expect(stats.expirations).toBe(2);
    });

    it('uses the default TTL for a family that is not listed', async () => {
      const cache = make({ default: 1 });
      await cache.set('openstack-aggregates', 'agg-1', ['h1']);
      expect(await cache.get('openstack-aggregates', 'agg-1')).toEqual(['h1']);
      await harness.passTime(1200);
      expect(await cache.get('openstack-aggregates', 'agg-1')).toBeUndefined();
    });

    it('counts hits, misses, sets and deletes per family', async () => {
      const cache = make();
      await cache.set('netbox-devices', 'n1', 'x');
      await cache.get('netbox-devices', 'n1');
      await cache.get('netbox-devices', 'n1');
      await cache.get('netbox-devices', 'n2');
      await cache.get('openstack-aggregates', 'a1');
      await cache.delete('netbox-devices', 'n1');
      await cache.delete('netbox-devices', 'not-there');
      expect(await cache.get('netbox-devices', 'n1')).toBeUndefined();

      const stats = cache.stats();
      expect(stats.families['netbox-devices']).toEqual({ hits: 2, misses: 2, expirations: 0, sets: 1, deletes: 1, evictions: 0 });
      expect(stats.families['openstack-aggregates']).toMatchObject({ hits: 0, misses: 1 });
      expect(stats).toMatchObject({ hits: 2, misses: 3, sets: 1, deletes: 1, expirations: 0 });
      expect(stats.hitRatio).toBeCloseTo(2 / 5);
    });

    it('getOrLoad loads once, then serves the cached copy', async () => {
      const cache = make();
      const loader = jest.fn(async () => ({ hosts: ['h1', 'h2'] }));

      const first = await cache.getOrLoad('netbox-devices', 'rack-12', loader);
      const second = await cache.getOrLoad('netbox-devices', 'rack-12', loader);

      expect(loader).toHaveBeenCalledTimes(1);
      expect(first).toEqual({ hosts: ['h1', 'h2'] });
      expect(second).toEqual(first);
      expect(cache.stats().families['netbox-devices']).toMatchObject({ hits: 1, misses: 1, sets: 1 });
    });

    it('getOrLoad shares one load between concurrent readers of a cold key', async () => {
      const cache = make();
      let release: (value: number) => void = () => undefined;
      const loader = jest.fn(() => new Promise<number>((resolve) => (release = resolve)));

      const readers = Array.from({ length: 5 }, () => cache.getOrLoad('netbox-devices', 'cold', loader));
      // Let every reader miss and join the one load before the source answers.
      for (let i = 0; i < 20 && loader.mock.calls.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20));
      release(42);

      expect(await Promise.all(readers)).toEqual([42, 42, 42, 42, 42]);
      expect(loader).toHaveBeenCalledTimes(1);
    });

    it('getOrLoad loads again once the family TTL has passed', async () => {
      const cache = make();
      let version = 0;
      const loader = jest.fn(async () => ++version);
      expect(await cache.getOrLoad('short-lived', 'k', loader)).toBe(1);
      expect(await cache.getOrLoad('short-lived', 'k', loader)).toBe(1);
      await harness.passTime(1200);
      expect(await cache.getOrLoad('short-lived', 'k', loader)).toBe(2);
      expect(cache.stats().families['short-lived']).toMatchObject({ expirations: 1, sets: 2 });
    });

    it('getOrLoad caches nothing when the loader fails, so the next call retries', async () => {
      const cache = make();
      const loader = jest.fn().mockRejectedValueOnce(new Error('netbox unreachable')).mockResolvedValueOnce('ok');
      await expect(cache.getOrLoad('netbox-devices', 'k', loader)).rejects.toThrow('netbox unreachable');
      expect(await cache.getOrLoad('netbox-devices', 'k', loader)).toBe('ok');
      expect(loader).toHaveBeenCalledTimes(2);
    });

    it('keeps namespaces apart', async () => {
      const inventory = make();
      const other = make();
      await inventory.set('netbox-devices', 'n1', 'inventory');
      expect(await other.get('netbox-devices', 'n1')).toBeUndefined();
      expect(await inventory.get('netbox-devices', 'n1')).toBe('inventory');
    });

    it('refuses undefined values, non-positive TTLs and families that would collide', async () => {
      const cache = make();
      await expect(cache.set('netbox-devices', 'k', undefined)).rejects.toThrow(/undefined/);
      await expect(cache.set('netbox-devices', 'k', 1, 0)).rejects.toThrow(/positive/);
      await expect(cache.set('netbox:devices', 'k', 1)).rejects.toThrow(/without ':'/);
      expect(() => make({ default: -1 })).toThrow(/positive/);
    });
  });
}
