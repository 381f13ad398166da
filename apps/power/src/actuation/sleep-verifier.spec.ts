import { testNode } from '../drivers/testing/test-node';
import { FakeClock } from '@somnus/testing';
import { SleepVerifier } from './sleep-verifier';

describe('SleepVerifier', () => {
  it('confirms sleep once the node stops answering', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const verifier = new SleepVerifier({ clock, tcpProbe: async () => clock.now() - start < 3_000 }, { pollIntervalMs: 1_000 });
    expect(await verifier.verify(testNode())).toEqual({ asleep: true, elapsedMs: 3_000 });
  });

  it('reports a node that still answers after its deadline', async () => {
    const clock = new FakeClock();
    const verifier = new SleepVerifier({ clock, tcpProbe: async () => true }, { defaultTimeoutMs: 20_000 });
    const result = await verifier.verify(testNode({ name: 'web-2', ip: '10.0.0.2' }));
    expect(result).toMatchObject({ asleep: false, elapsedMs: 20_000 });
    if (!result.asleep) expect(result.reason).toContain('web-2 still answers on 10.0.0.2:22 20 s after');
  });
});
