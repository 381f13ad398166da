import { WakeOnLanDriver, WakeTarget, parseIpv4Cidr, wakeTargetFor } from './wake-on-lan.driver';
import { testNode } from './testing/test-node';

describe('wakeTargetFor', () => {
  const subnets = [{ cidr: '10.0.1.0/24' }, { cidr: '10.0.2.0/23', broadcast: '10.0.3.254', port: 7, repeat: 5 }];

  it("uses the node's own settings first", () => {
    const node = testNode({ ip: '10.0.1.17', driver: { wol: { broadcast: '192.168.0.255', port: 40000, repeat: 2 } } });
    expect(wakeTargetFor(node, { subnets })).toEqual({ address: '192.168.0.255', port: 40000, packets: 2, intervalMs: 100 });
  });

  it("falls back to the directed broadcast of the node's subnet", () => {
    expect(wakeTargetFor(testNode({ ip: '10.0.1.17' }), { subnets, defaultPort: 9 })).toMatchObject({ address: '10.0.1.255', port: 9, packets: 3 });
    expect(wakeTargetFor(testNode({ ip: '10.0.3.4' }), { subnets })).toMatchObject({ address: '10.0.3.254', port: 7, packets: 5 });
  });

  it('falls back to the driver default when no subnet matches', () => {
    expect(wakeTargetFor(testNode({ ip: '172.16.0.1' }), { subnets, defaultBroadcast: '127.0.0.1', defaultRepeat: 4 })).toMatchObject({
      address: '127.0.0.1',
      port: 9,
      packets: 4,
    });
    expect(wakeTargetFor(testNode({ ip: undefined }), {})).toMatchObject({ address: '255.255.255.255', port: 9, packets: 3 });
  });

  it('rejects a malformed subnet when the driver is built', () => {
    expect(() => parseIpv4Cidr('10.0.1.0/33')).toThrow('10.0.1.0/33');
    expect(() => new WakeOnLanDriver({ subnets: [{ cidr: 'rack-1' }] })).toThrow('rack-1');
  });
});

describe('WakeOnLanDriver', () => {
  it('sends to the resolved target and reports what it sent', async () => {
    const sent: Array<[string, WakeTarget]> = [];
    const driver = new WakeOnLanDriver({ send: async (mac, target) => void sent.push([mac, target]), defaultBroadcast: '127.0.0.1' });
    const result = await driver.wake(testNode({ ip: undefined }), { commandId: 'c', attempt: 1 });
    expect(sent).toEqual([['52:54:00:12:34:56', { address: '127.0.0.1', port: 9, packets: 3, intervalMs: 100 }]]);
    expect(result).toMatchObject({ ok: true, detail: 'sent 3 magic packets for 52:54:00:12:34:56 to 127.0.0.1:9' });
  });

  it('reports a send failure as a retryable error', async () => {
    const driver = new WakeOnLanDriver({ send: async () => Promise.reject(new Error('EACCES')) });
    const result = await driver.wake(testNode(), { commandId: 'c', attempt: 1 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.retryable).toBe(true);
      expect(result.reason).toContain('EACCES');
    }
  });

  it('does not support a node without a MAC, or any action but wake', () => {
    const driver = new WakeOnLanDriver();
    expect(driver.supports('wake', testNode({ mac: undefined }))).toMatchObject({ supported: false });
    expect(driver.supports('sleep', testNode())).toMatchObject({ supported: false });
    expect(driver.supports('wake', testNode())).toEqual({ supported: true });
  });
});
