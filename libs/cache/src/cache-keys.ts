import { CacheFamilies, DEFAULT_TTL_SECONDS } from './cache.port';

/** Rejects a TTL table that would silently cache forever or not at all. */
export function validateFamilies(families: CacheFamilies): void {
  for (const [family, ttl] of Object.entries(families)) {
    assertFamily(family);
    assertTtl(ttl, `TTL of cache family "${family}"`);
  }
}

export function ttlOf(families: CacheFamilies, family: string): number {
  return families[family] ?? families.default ?? DEFAULT_TTL_SECONDS;
}

export function assertTtl(ttlSeconds: number, what = 'cache TTL'): void {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`${what} must be a positive number of seconds, got ${ttlSeconds}`);
  }
}

// A family is one segment of a `namespace:family:key` Redis key; a colon inside it would make two
// different (family, key) pairs collide.
export function assertFamily(family: string): void {
  if (family.length === 0 || family.includes(':')) {
    throw new TypeError(`cache family must be a non-empty name without ':', got "${family}"`);
  }
}

export function assertNamespace(namespace: string): void {
  if (namespace.length === 0 || namespace.includes(':') || /[*?[\]\s]/.test(namespace)) {
    throw new TypeError(`cache namespace must be a non-empty name without ':', spaces or glob characters, got "${namespace}"`);
  }
}

export function assertKey(key: string): void {
  if (key.length === 0) throw new TypeError('cache key must be non-empty');
}

export function encodeValue(family: string, key: string, value: unknown): string {
  if (value === undefined) throw new TypeError(`cannot cache undefined under ${family}/${key}; store null instead`);
  return JSON.stringify(value);
}
