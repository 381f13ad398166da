import { RecentPeak } from './recent-peak';

const H = 3_600_000;

describe('RecentPeak', () => {
  it('answers the highest demand inside the window asked for', () => {
    const peak = new RecentPeak(24 * H);
    peak.observe(0, 10);
    peak.observe(1 * H, 40);
    peak.observe(2 * H, 5);
    peak.observe(3 * H, 20);
    expect(peak.peak(3 * H, 0)).toBe(20);
    expect(peak.peak(3 * H, 1 * H)).toBe(20);
    expect(peak.peak(3 * H, 2 * H)).toBe(40);
    expect(peak.peak(3 * H, 3 * H)).toBe(40);
  });

  it('forgets what is older than it retains, even when asked for a longer window', () => {
    const peak = new RecentPeak(2 * H);
    peak.observe(0, 100);
    peak.observe(3 * H, 7);
    expect(peak.peak(3 * H, 10 * H)).toBe(7);
  });

  it('is 0 before anything was seen', () => {
    expect(new RecentPeak(H).peak(0, H)).toBe(0);
  });
});
