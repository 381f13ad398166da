export * from './cache.port';
export { MemoryCacheAdapter, DEFAULT_MAX_ENTRIES } from './memory-cache.adapter';
export type { MemoryCacheOptions } from './memory-cache.adapter';
export { RedisCacheAdapter, DEFAULT_MAX_TRACKED_KEYS } from './redis-cache.adapter';
export type { RedisCacheOptions } from './redis-cache.adapter';
export { createCache } from './create-cache';
export { CacheModule } from './cache.module';
