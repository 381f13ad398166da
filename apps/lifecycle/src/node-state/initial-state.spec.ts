import { decideInitialState } from './initial-state';

const kube = (ready: 'True' | 'False' | 'Unknown', unreachable = false) => ({ ready, unreachable, unschedulable: false });

describe('decideInitialState', () => {
  it('a Ready Kubernetes node is active with movable pods and ready without', () => {
    expect(decideInitialState({ kubernetes: kube('True'), movablePods: 2 })).toMatchObject({ state: 'active', powerState: 'on' });
    expect(decideInitialState({ kubernetes: kube('True'), movablePods: 0 })).toMatchObject({ state: 'ready', powerState: 'on' });
  });

  it('an unreachable, not Ready Kubernetes node is sleeping; without the taint it is unhealthy', () => {
    expect(decideInitialState({ kubernetes: kube('Unknown', true) })).toMatchObject({ state: 'sleeping', powerState: 'off' });
    expect(decideInitialState({ kubernetes: kube('False', true) })).toMatchObject({ state: 'sleeping' });
    expect(decideInitialState({ kubernetes: kube('False') })).toMatchObject({ state: 'unhealthy' });
  });

  it('without a Kubernetes node the SSH port decides', () => {
    expect(decideInitialState({ kubernetes: null, sshReachable: true })).toMatchObject({ state: 'ready', powerState: 'on' });
    const silent = decideInitialState({ sshReachable: false });
    expect(silent).toMatchObject({ state: 'sleeping', powerState: 'off' });
    expect(silent.reason).toContain('SSH port does not answer');
  });

  it('with nothing to observe the node is assumed ready with an unknown power state', () => {
    expect(decideInitialState({})).toMatchObject({ state: 'ready', powerState: 'unknown' });
  });
});
