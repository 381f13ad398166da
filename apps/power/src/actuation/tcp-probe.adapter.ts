// Is anything accepting TCP connections at host:port? The cheapest sign that a node's OS is up (its sshd
// listens) or down (nothing answers). Bounded by its own timeout.
import { Socket } from 'node:net';

export type TcpProbe = (host: string, port: number, timeoutMs: number) => Promise<boolean>;

export const tcpReachable: TcpProbe = (host, port, timeoutMs) =>
  new Promise<boolean>((resolve) => {
    const socket = new Socket();
    let settled = false;
    const finish = (reachable: boolean): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(reachable);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.connect(port, host);
  });
