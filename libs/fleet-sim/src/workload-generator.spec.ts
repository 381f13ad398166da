import { generateDiurnalWorkload } from './workload-generator';

describe('generateDiurnalWorkload', () => {
  it('gives the same workload for the same seed and a different one for another seed', () => {
    const options = { durationSeconds: 86_400, peakPerHour: 40 };
    expect(generateDiurnalWorkload({ ...options, seed: 7 })).toEqual(generateDiurnalWorkload({ ...options, seed: 7 }));
    expect(generateDiurnalWorkload({ ...options, seed: 8 })).not.toEqual(generateDiurnalWorkload({ ...options, seed: 7 }));
  });

  it('sends more work in the afternoon than at night', () => {
    const arrivals = generateDiurnalWorkload({ seed: 3, durationSeconds: 86_400, peakPerHour: 120 });
    const hourOf = (seconds: number): number => Math.floor(seconds / 3600);
    const afternoon = arrivals.filter((arrival) => hourOf(arrival.atSeconds) >= 12 && hourOf(arrival.atSeconds) < 16).length;
    const night = arrivals.filter((arrival) => hourOf(arrival.atSeconds) >= 0 && hourOf(arrival.atSeconds) < 4).length;
    expect(afternoon).toBeGreaterThan(2 * night);
  });

  it('stays within its bounds', () => {
    const arrivals = generateDiurnalWorkload({ seed: 1, durationSeconds: 3600, peakPerHour: 10_000, maxArrivals: 50 });
    expect(arrivals).toHaveLength(50);
    const times = arrivals.map((arrival) => arrival.atSeconds);
    expect(times.every((t) => t < 3600)).toBe(true);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });
});
