import { describeCacheContract } from './cache.contract';
import { createCache } from './create-cache';
import { MemoryCacheAdapter } from './memory-cache.adapter';

/** A clock the test moves by hand, so TTLs are checked without waiting. */
function fakeClock(start = Date.parse('2024-05-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

let namespaces = 0;

describeCacheContract('memory', () => {
  const clock = fakeClock();
  return {
    make: (families) => new MemoryCacheAdapter({ namespace: `memory-${++namespaces}`, families, now: clock.now }),
    passTime: async (ms) => {
      clock.advance(ms);
    },
  };
});

describe('MemoryCacheAdapter', () => {
  it('keeps an entry until the instant its TTL runs out', async () => {
    const clock = fakeClock();
    const cache = new MemoryCacheAdapter({ namespace: 'inventory', families: { 'netbox-devices': 300 }, now: clock.now });
    await cache.set('netbox-devices', 'n1', 'x');
    clock.advance(299_999);
    expect(await cache.get('netbox-devices', 'n1')).toBe('x');
    clock.advance(1);
    expect(await cache.get('netbox-devices', 'n1')).toBeUndefined();
    expect(cache.stats().expirations).toBe(1);
  });

  it('stays within maxEntries by dropping the oldest write, counting it as an eviction', async () => {
    const clock = fakeClock();
    const cache = new MemoryCacheAdapter({ namespace: 'inventory', maxEntries: 3, now: clock.now });
    for (const key of ['a', 'b', 'c']) await cache.set('f', key, key);
    await cache.set('f', 'a', 'a2'); // rewriting moves "a" to the back, so "b" is now the oldest
    await cache.set('f', 'd', 'd');

    expect(cache.size()).toBe(3);
    expect(await cache.get('f', 'b')).toBeUndefined();
    expect(await cache.get('f', 'a')).toBe('a2');
    expect(await cache.get('f', 'd')).toBe('d');
    expect(cache.stats().families.f).toMatchObject({ evictions: 1, expirations: 0 });
  });

  it('counts an expired entry pushed out for space as an expiration, not an eviction', async () => {
    const clock = fakeClock();
    const cache = new MemoryCacheAdapter({ namespace: 'inventory', maxEntries: 1, families: { default: 1 }, now: clock.now });
    await cache.set('f', 'old', 1);
    clock.advance(1000);
    await cache.set('f', 'new', 2);
    expect(cache.stats().families.f).toMatchObject({ evictions: 0, expirations: 1 });
  });

  it('refuses calls after close', async () => {
    const cache = new MemoryCacheAdapter({ namespace: 'inventory' });
    await cache.close();
    await expect(cache.get('f', 'k')).rejects.toThrow(/closed/);
    await expect(cache.ping()).rejects.toThrow(/closed/);
  });

  it('rejects a namespace that would break key prefixes', () => {
    expect(() => new MemoryCacheAdapter({ namespace: 'a:b' })).toThrow(/namespace/);
    expect(() => new MemoryCacheAdapter({ namespace: 'inv*' })).toThrow(/namespace/);
    expect(() => new MemoryCacheAdapter({ namespace: 'inventory', maxEntries: 0 })).toThrow(/maxEntries/);
  });

  it('createCache picks memory when no Redis URL is configured', async () => {
    const cache = createCache({ namespace: 'inventory', families: { default: 5 } });
    expect(cache.kind).toBe('memory');
    await cache.close();
  });
});
