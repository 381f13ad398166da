import { Cache } from './cache.port';

/**
 * Shares one in-flight load per key, so a burst of readers of a cold key asks the source (NetBox,
 * OpenStack, ...) once instead of once per reader.
 */
export class SingleFlight {
  private readonly inFlight = new Map<string, Promise<unknown>>();

  run<T>(id: string, load: () => Promise<T>): Promise<T> {
    const pending = this.inFlight.get(id);
    if (pending) return pending as Promise<T>;
    const started = load().finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, started);
    return started;
  }
}

/**
 * `Cache.getOrLoad` for every adapter: read, else load once and store. The loaded value is handed back as
 * its JSON copy, so the first caller sees exactly what later callers will read from the cache.
 */
export async function loadThrough<T>(
  cache: Pick<Cache, 'get' | 'set'>,
  flight: SingleFlight,
  family: string,
  key: string,
  loader: () => Promise<T>,
): Promise<T> {
  const cached = await cache.get<T>(family, key);
  if (cached !== undefined) return cached;
  return flight.run(`${family}\u0000${key}`, async () => {
    const loaded = await loader();
    if (loaded === undefined) return loaded;
    await cache.set(family, key, loaded);
    return JSON.parse(JSON.stringify(loaded)) as T;
  });
}
