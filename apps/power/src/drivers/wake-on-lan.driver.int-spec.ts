// The real driver, the real `wake_on_lan` package, a real UDP socket on loopback.
import { createSocket, Socket } from 'node:dgram';
import { AddressInfo } from 'node:net';
import { WakeOnLanDriver } from './wake-on-lan.driver';
import { testNode } from './testing/test-node';

function expectedMagicPacket(mac: string): Buffer {
  const macBytes = Buffer.from(mac.split(':').map((pair) => parseInt(pair, 16)));
  return Buffer.concat([Buffer.alloc(6, 0xff), ...Array.from({ length: 16 }, () => macBytes)]);
}

describe('WakeOnLanDriver over loopback UDP', () => {
  let listener: Socket;
  let port: number;
  const received: Buffer[] = [];

  beforeAll(async () => {
    listener = createSocket('udp4');
    listener.on('message', (message) => received.push(message));
    await new Promise<void>((resolve) => listener.bind(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));
  beforeEach(() => (received.length = 0));

  it('delivers the repeated magic packet, byte for byte, to the per-node address and port', async () => {
    const node = testNode({ mac: '0A-1b-2C-3d-4E-5f', driver: { wol: { broadcast: '127.0.0.1', port, repeat: 3 } } });
    const driver = new WakeOnLanDriver({ intervalMs: 10 });

    const result = await driver.wake(node, { commandId: 'c1', attempt: 1 });
    expect(result.ok).toBe(true);

    // The send callback fires when the last datagram left; give loopback a bounded moment to deliver it.
    for (let i = 0; i < 100 && received.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received).toHaveLength(3);
    const expected = expectedMagicPacket('0a:1b:2c:3d:4e:5f');
    expect(expected).toHaveLength(102);
    for (const packet of received) expect(packet.equals(expected)).toBe(true);
  });

  it('uses the subnet default when the node has no settings of its own', async () => {
    const node = testNode({ ip: '127.0.0.42', mac: '52:54:00:00:00:01' });
    const driver = new WakeOnLanDriver({ subnets: [{ cidr: '127.0.0.0/8', broadcast: '127.0.0.1', port, repeat: 1 }] });

    expect(await driver.wake(node, { commandId: 'c2', attempt: 1 })).toMatchObject({ ok: true });
    for (let i = 0; i < 100 && received.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(received).toHaveLength(1);
    expect(received[0]!.equals(expectedMagicPacket('52:54:00:00:00:01'))).toBe(true);
  });
});
