import { loadPowerConfig, PowerConfigError } from './power.config';

describe('power configuration', () => {
  it("defaults to Slurm's rates and a three-attempt retry", () => {
    const config = loadPowerConfig({});
    expect(config.limits).toEqual({ resumesPerMinute: 300, suspendsPerMinute: 60, concurrentWakes: 20 });
    expect(config.retry).toMatchObject({ maxAttempts: 3, baseDelayMs: 5_000, factor: 2 });
    expect(config.wol).toMatchObject({ defaultBroadcast: '255.255.255.255', defaultPort: 9 });
    expect(config.wakeVerifier.defaultTimeoutMs).toBeUndefined();
  });

  it('turns a wake timeout override into one deadline for every node', () => {
    const config = loadPowerConfig({ SOMNUS_WAKE_TIMEOUT_MS: '4000' });
    expect(config.wakeVerifier).toMatchObject({ defaultTimeoutMs: 4_000, minTimeoutMs: 4_000, maxTimeoutMs: 4_000 });
  });

  it('names the variable that is wrong', () => {
    expect(() => loadPowerConfig({ SOMNUS_RESUME_RATE: 'lots' })).toThrow(PowerConfigError);
    expect(() => loadPowerConfig({ SOMNUS_RESUME_RATE: 'lots' })).toThrow(/SOMNUS_RESUME_RATE/);
    expect(() => loadPowerConfig({ SOMNUS_WOL_BROADCAST: 'everywhere' })).toThrow(/SOMNUS_WOL_BROADCAST/);
    expect(() => loadPowerConfig({ SOMNUS_WAKE_RETRY_BASE_MS: '10000', SOMNUS_WAKE_RETRY_MAX_MS: '100' })).toThrow(/SOMNUS_WAKE_RETRY_MAX_MS/);
  });
});
