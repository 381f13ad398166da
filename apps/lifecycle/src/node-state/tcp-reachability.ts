import { Socket } from 'node:net';

/** Whether host:port accepts a TCP connection within the timeout. */
export function tcpReachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => done(true));
  });
}

/** Whether a node's port answers: the SSH fallback when Kubernetes cannot say where a node starts. */
export interface Reachability {
  reachable(host: string, port: number, timeoutMs: number): Promise<boolean>;
}

export const REACHABILITY = Symbol('REACHABILITY');

export const tcpReachability: Reachability = { reachable: tcpReachable };
