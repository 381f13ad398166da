// Types for the `wake_on_lan` package (CommonJS, ships none). Only what the Wake-on-LAN driver uses.
declare module 'wake_on_lan' {
  export interface WakeOptions {
    /** Destination address; default 255.255.255.255. */
    address?: string;
    /** Destination UDP port; default 9. */
    port?: number;
    /** How many magic packets to send; default 3. */
    num_packets?: number;
    /** Milliseconds between packets; default 100. */
    interval?: number;
  }
  export function wake(mac: string, opts: WakeOptions, callback: (error?: Error | null) => void): void;
  export function createMagicPacket(mac: string): Buffer;
}
