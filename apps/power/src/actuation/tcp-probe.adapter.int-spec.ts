import { AddressInfo, createServer } from 'node:net';
import { tcpReachable } from './tcp-probe.adapter';

describe('tcpReachable on loopback', () => {
  it('sees a listening port, and not a closed one', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    expect(await tcpReachable('127.0.0.1', port, 1_000)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await tcpReachable('127.0.0.1', port, 1_000)).toBe(false);
  });
});
