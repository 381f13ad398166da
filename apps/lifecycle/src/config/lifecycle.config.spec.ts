import { loadLifecycleConfig } from './lifecycle.config';

describe('loadLifecycleConfig', () => {
  it('has defaults: a 10 minute grace period, sample gap of three intervals', () => {
    const config = loadLifecycleConfig({});
    expect(config.idle.idleGracePeriodMs).toBe(600_000);
    expect(config.idle.maxSampleGapMs).toBe(3 * config.sampleIntervalMs);
  });

  it('reads overrides and refuses nonsense with the variable named', () => {
    const config = loadLifecycleConfig({ LIFECYCLE_IDLE_GRACE_PERIOD_MS: '500', LIFECYCLE_HEADROOM_CPU: '4', LIFECYCLE_EMPTYDIR_IS_LOCAL_STORAGE: 'false' });
    expect(config.idle.idleGracePeriodMs).toBe(500);
    expect(config.safety.headroom.absolute.cpu).toBe(4);
    expect(config.safety.emptyDirIsLocalStorage).toBe(false);
    expect(() => loadLifecycleConfig({ LIFECYCLE_SAMPLE_INTERVAL_MS: 'soon' })).toThrow(/LIFECYCLE_SAMPLE_INTERVAL_MS/);
  });
});
