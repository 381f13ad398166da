import { Cache, CacheConfig } from './cache.port';
import { MemoryCacheAdapter } from './memory-cache.adapter';
import { RedisCacheAdapter } from './redis-cache.adapter';

/** Redis when a URL is configured (distributed mode), process memory otherwise (all-in-one). */
export function createCache(config: CacheConfig): Cache {
  const { url, namespace, families, maxEntries, now } = config;
  if (url) return new RedisCacheAdapter({ url, namespace, families, maxTrackedKeys: maxEntries, now });
  return new MemoryCacheAdapter({ namespace, families, maxEntries, now });
}
