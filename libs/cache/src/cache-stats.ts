import { CacheFamilyStats, CacheStats } from './cache.port';

type Counter = keyof CacheFamilyStats;

const zero = (): CacheFamilyStats => ({ hits: 0, misses: 0, expirations: 0, sets: 0, deletes: 0, evictions: 0 });

/** Per-family counters, kept in the process (Redis knows nothing of our families). */
export class CacheStatsRecorder {
  private readonly families = new Map<string, CacheFamilyStats>();

  count(family: string, counter: Counter, by = 1): void {
    let stats = this.families.get(family);
    if (!stats) {
      stats = zero();
      this.families.set(family, stats);
    }
    stats[counter] += by;
  }

  snapshot(): CacheStats {
    const total = zero();
    const families: Record<string, CacheFamilyStats> = {};
    for (const [family, stats] of this.families) {
      families[family] = { ...stats };
      for (const counter of Object.keys(total) as Counter[]) total[counter] += stats[counter];
    }
    const reads = total.hits + total.misses;
    return { ...total, hitRatio: reads === 0 ? 0 : total.hits / reads, families };
  }
}
