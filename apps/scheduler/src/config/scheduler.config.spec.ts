import { SOMNUS_NO_WAIT } from '@somnus/policy';
import { loadSchedulerConfig } from './scheduler.config';

describe('scheduler configuration', () => {
  it('starts from the least-energy preset: the policy defaults, named somnus', () => {
    const config = loadSchedulerConfig({});
    expect(config.policy).toEqual({});
    expect(config.policyName).toBe('somnus');
  });

  it('takes the no-wait preset, and explicit settings over it', () => {
    const config = loadSchedulerConfig({ SCHEDULER_POLICY_PRESET: 'no-wait', SCHEDULER_MIN_HEADROOM_NODES: '8', SCHEDULER_PRE_WAKE: 'false' });
    expect(config.policy).toEqual({ ...SOMNUS_NO_WAIT, minHeadroomNodes: 8, preWake: false });
    expect(config.policyName).toBe('somnus-no-wait');
  });

  it('takes a wait budget on its own', () => {
    expect(loadSchedulerConfig({ SCHEDULER_WAIT_BUDGET: '0.05' }).policy).toEqual({ waitBudget: 0.05 });
  });

  it('says which setting is wrong and why', () => {
    expect(() => loadSchedulerConfig({ SCHEDULER_POLICY_PRESET: 'fastest' })).toThrow(/SCHEDULER_POLICY_PRESET/);
    expect(() => loadSchedulerConfig({ SCHEDULER_WAIT_BUDGET: '1.5' })).toThrow(/SCHEDULER_WAIT_BUDGET.*below 1/);
    expect(() => loadSchedulerConfig({ SCHEDULER_WAIT_BUDGET: '0' })).toThrow(/SCHEDULER_WAIT_BUDGET.*above 0/);
  });
});
