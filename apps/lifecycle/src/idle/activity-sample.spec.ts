import { activitySample } from './activity-sample';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('activitySample', () => {
  it('needs a previous reading before it can give a network rate', () => {
    const first = activitySample({ at: at(0), movableWorkloads: 0, cores: 4, activity: { load1: 0.4, netBytes: 1000, sshSessions: 0 } });
    expect(first.sample).toBeNull();
    const second = activitySample({ at: at(10), movableWorkloads: 1, cores: 4, activity: { load1: 0.4, netBytes: 6000, sshSessions: 2 }, previous: first.reading });
    expect(second.sample).toEqual({ at: at(10), movableWorkloads: 1, cpuLoadPerCore: 0.1, networkBytesPerSecond: 500, sshSessions: 2 });
  });

  it('counters that went backwards (a reboot) give no sample', () => {
    const out = activitySample({ at: at(10), movableWorkloads: 0, cores: 4, activity: { load1: 0, netBytes: 5, sshSessions: 0 }, previous: { at: at(0), netBytes: 100 } });
    expect(out.sample).toBeNull();
    expect(out.reading).toEqual({ at: at(10), netBytes: 5 });
  });

  it('a node read without SSH counts its pods only', () => {
    expect(activitySample({ at: at(0), movableWorkloads: 3, cores: 4 }).sample).toEqual({ at: at(0), movableWorkloads: 3, cpuLoadPerCore: 0, networkBytesPerSecond: 0, sshSessions: 0 });
  });
});
