/** NestJS injection token for the process's {@link Cache}. */
export const CACHE = 'SOMNUS_CACHE';

/**
 * Time to live, in seconds, per key family (`netbox-devices`, `openstack-aggregates`, ...). The `default`
 * entry applies to every family not listed; without one, {@link DEFAULT_TTL_SECONDS} does.
 */
export type CacheFamilies = Readonly<Record<string, number>>;

export const DEFAULT_TTL_SECONDS = 60;

/** Counters for one family, or summed over all of them. */
export interface CacheFamilyStats {
  hits: number;
  misses: number;
  /**
   * Keys this cache had set whose TTL ran out: found expired by a read (that read also counts as a miss)
   * or, in memory, dropped for space after expiring.
   */
  expirations: number;
  sets: number;
  deletes: number;
  /** Entries dropped to stay within the size bound before their TTL ran out (memory adapter only). */
  evictions: number;
}

export interface CacheStats extends CacheFamilyStats {
  /** hits / (hits + misses), 0 before the first read. */
  hitRatio: number;
  families: Record<string, CacheFamilyStats>;
}

/**
 * A TTL cache of JSON values, addressed by (family, key) inside one service's namespace. Values go in and
 * come out as JSON, so what a reader gets is a copy and a `Date` comes back as its ISO string — the same in
 * memory as in Redis.
 */
export interface Cache {
  /** Which adapter answers, for the start banner and `/readyz`. */
  readonly kind: 'memory' | 'redis';
  get<T>(family: string, key: string): Promise<T | undefined>;
  /** Stores `value` for `ttlSeconds`, or the family's TTL when omitted. `undefined` cannot be cached (use null). */
  set<T>(family: string, key: string, value: T, ttlSeconds?: number): Promise<void>;
  delete(family: string, key: string): Promise<void>;
  /**
   * The cached value, or the loader's result stored under the family's TTL. Concurrent calls for the same
   * key share one load, so a burst of readers hits the source once. A loader that returns `undefined` is
   * not cached; a loader that throws caches nothing and the error reaches every waiting caller.
   */
  getOrLoad<T>(family: string, key: string, loader: () => Promise<T>): Promise<T>;
  stats(): CacheStats;
  /** Resolves when the backing store answers; rejects with the reason otherwise (for `/readyz`). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface CacheConfig {
  /** `redis://[user:password@]host:port[/db]`; without it the cache lives in process memory. */
  url?: string;
  /** Prefix of every key, one per service (`inventory`), so services sharing a Redis never collide. */
  namespace: string;
  families?: CacheFamilies;
  /** Upper bound on entries held in memory (memory adapter) or keys tracked for expiry stats (Redis). */
  maxEntries?: number;
  /** Milliseconds since the epoch; injectable so expiry can be tested without waiting. */
  now?: () => number;
}
