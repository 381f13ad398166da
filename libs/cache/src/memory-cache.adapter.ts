import { assertFamily, assertKey, assertNamespace, assertTtl, encodeValue, ttlOf, validateFamilies } from './cache-keys';
import { Cache, CacheFamilies, CacheStats } from './cache.port';
import { CacheStatsRecorder } from './cache-stats';
import { loadThrough, SingleFlight } from './single-flight';

export interface MemoryCacheOptions {
  namespace: string;
  families?: CacheFamilies;
  /** Entries kept at most; the oldest written goes first. */
  maxEntries?: number;
  now?: () => number;
}

export const DEFAULT_MAX_ENTRIES = 10_000;

interface Entry {
  family: string;
  json: string;
  expiresAt: number;
}

/**
 * The all-in-one's cache: process memory, bounded, with the same JSON and TTL semantics as Redis. Expired
 * entries are dropped when read or when they reach the front of the eviction order, never by a timer, so
 * an idle process does no work and tests control time through `now`.
 */
export class MemoryCacheAdapter implements Cache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly recorder = new CacheStatsRecorder();
  private readonly flight = new SingleFlight();
  private readonly families: CacheFamilies;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private closed = false;

  constructor(private readonly options: MemoryCacheOptions) {
    assertNamespace(options.namespace);
    this.families = options.families ?? {};
    validateFamilies(this.families);
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`maxEntries must be a positive integer, got ${this.maxEntries}`);
    }
    this.now = options.now ?? Date.now;
  }

  async get<T>(family: string, key: string): Promise<T | undefined> {
    this.assertOpen();
    const id = this.idOf(family, key);
    const entry = this.entries.get(id);
    if (!entry) {
      this.recorder.count(family, 'misses');
      return undefined;
    }
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(id);
      this.recorder.count(family, 'misses');
      this.recorder.count(family, 'expirations');
      return undefined;
    }
    this.recorder.count(family, 'hits');
    return JSON.parse(entry.json) as T;
  }

  async set<T>(family: string, key: string, value: T, ttlSeconds?: number): Promise<void> {
    this.assertOpen();
    const id = this.idOf(family, key);
    const ttl = ttlSeconds ?? ttlOf(this.families, family);
    assertTtl(ttl);
    const json = encodeValue(family, key, value);
    // Re-inserting moves the key to the back of Map order, so the front is always the oldest write.
    this.entries.delete(id);
    this.entries.set(id, { family, json, expiresAt: this.now() + ttl * 1000 });
    this.recorder.count(family, 'sets');
    this.evictBeyondBound();
  }

  async delete(family: string, key: string): Promise<void> {
    this.assertOpen();
    if (this.entries.delete(this.idOf(family, key))) this.recorder.count(family, 'deletes');
  }

  getOrLoad<T>(family: string, key: string, loader: () => Promise<T>): Promise<T> {
    return loadThrough(this, this.flight, family, key, loader);
  }

  stats(): CacheStats {
    return this.recorder.snapshot();
  }

  /** Entries held right now, expired ones included until they are read or evicted. */
  size(): number {
    return this.entries.size;
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.entries.clear();
  }

  private evictBeyondBound(): void {
    const now = this.now();
    while (this.entries.size > this.maxEntries) {
      const [oldestId, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestId);
      this.recorder.count(oldest.family, oldest.expiresAt <= now ? 'expirations' : 'evictions');
    }
  }

  private idOf(family: string, key: string): string {
    assertFamily(family);
    assertKey(key);
    return `${this.options.namespace}:${family}:${key}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`cache "${this.options.namespace}" is closed`);
  }
}
