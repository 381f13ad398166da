import Redis from 'ioredis';
import { assertFamily, assertKey, assertNamespace, assertTtl, encodeValue, ttlOf, validateFamilies } from './cache-keys';
import { Cache, CacheFamilies, CacheStats } from './cache.port';
import { CacheStatsRecorder } from './cache-stats';
import { loadThrough, SingleFlight } from './single-flight';

export interface RedisCacheOptions {
  /** `redis://...`; ignored when `client` is given. */
  url?: string;
  /** A client owned by the caller (it is not closed by `close()`). */
  client?: Redis;
  namespace: string;
  families?: CacheFamilies;
  /** Keys whose expiry is remembered for the `expirations` statistic; the oldest is forgotten first. */
  maxTrackedKeys?: number;
  now?: () => number;
}

export const DEFAULT_MAX_TRACKED_KEYS = 10_000;

/**
 * The distributed cache: one Redis shared by the replicas of a service, keys `namespace:family:key`, each
 * written with its family's TTL (`SET ... EX`). Redis does not say why a key is missing, so the adapter
 * remembers when the keys it wrote are due to expire (a bounded map) and counts a miss as an expiration only
 * when it wrote that key and the due time has passed. Keys written by another replica, or forgotten from the
 * map, count as plain misses: the figure is a lower bound, never invented.
 */
export class RedisCacheAdapter implements Cache {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly ownsClient: boolean;
  private readonly recorder = new CacheStatsRecorder();
  private readonly flight = new SingleFlight();
  private readonly expiries = new Map<string, number>();
  private readonly families: CacheFamilies;
  private readonly maxTrackedKeys: number;
  private readonly now: () => number;
  private lastError: Error | undefined;

  constructor(private readonly options: RedisCacheOptions) {
    assertNamespace(options.namespace);
    this.families = options.families ?? {};
    validateFamilies(this.families);
    this.maxTrackedKeys = options.maxTrackedKeys ?? DEFAULT_MAX_TRACKED_KEYS;
    this.now = options.now ?? Date.now;
    if (options.client) {
      this.redis = options.client;
      this.ownsClient = false;
    } else {
      if (!options.url) throw new TypeError('RedisCacheAdapter needs a url (redis://host:port) or a client');
      // Fail a command after one reconnect attempt instead of ioredis' twenty, so a Redis outage shows up
      // as an error the caller can handle within seconds rather than a hung request. A short disconnect
      // timeout keeps a client closed while Redis was down from holding the process open for 2 s.
      this.redis = new Redis(options.url, { maxRetriesPerRequest: 1, connectTimeout: 2000, disconnectTimeout: 300 });
      this.ownsClient = true;
    }
    // Without a listener ioredis prints every connection error to stderr; the last one explains ping().
    this.redis.on('error', (error: Error) => {
      this.lastError = error;
    });
  }

  async get<T>(family: string, key: string): Promise<T | undefined> {
    const id = this.idOf(family, key);
    const json = await this.redis.get(id);
    if (json === null) {
      this.recorder.count(family, 'misses');
      const dueAt = this.expiries.get(id);
      if (dueAt !== undefined && dueAt <= this.now()) {
        this.recorder.count(family, 'expirations');
        this.expiries.delete(id);
      }
      return undefined;
    }
    this.recorder.count(family, 'hits');
    return JSON.parse(json) as T;
  }

  async set<T>(family: string, key: string, value: T, ttlSeconds?: number): Promise<void> {
    const id = this.idOf(family, key);
    const ttl = ttlSeconds ?? ttlOf(this.families, family);
    assertTtl(ttl);
    const json = encodeValue(family, key, value);
    // EX takes whole seconds; a fractional TTL goes in milliseconds rather than being rounded.
    if (Number.isInteger(ttl)) await this.redis.set(id, json, 'EX', ttl);
    else await this.redis.set(id, json, 'PX', Math.max(1, Math.round(ttl * 1000)));
    this.recorder.count(family, 'sets');
    this.track(id, this.now() + ttl * 1000);
  }

  async delete(family: string, key: string): Promise<void> {
    const id = this.idOf(family, key);
    const removed = await this.redis.del(id);
    this.expiries.delete(id);
    if (removed > 0) this.recorder.count(family, 'deletes');
  }

  getOrLoad<T>(family: string, key: string, loader: () => Promise<T>): Promise<T> {
    return loadThrough(this, this.flight, family, key, loader);
  }

  stats(): CacheStats {
    return this.recorder.snapshot();
  }

  async ping(): Promise<void> {
    try {
      await this.redis.ping();
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`redis cache unreachable: ${this.lastError?.message ?? reason}`);
    }
  }

  async close(): Promise<void> {
    this.expiries.clear();
    if (!this.ownsClient) return;
    // QUIT lets pending replies arrive; a client still connecting or reconnecting has none worth waiting
    // for, and QUIT would only sit in its offline queue, so it is cut off (which also stops reconnecting).
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private track(id: string, dueAt: number): void {
    this.expiries.delete(id);
    this.expiries.set(id, dueAt);
    if (this.expiries.size > this.maxTrackedKeys) {
      const oldest = this.expiries.keys().next().value as string;
      this.expiries.delete(oldest);
    }
  }

  private idOf(family: string, key: string): string {
    assertFamily(family);
    assertKey(key);
    return `${this.options.namespace}:${family}:${key}`;
  }
}
