import { createSocket, RemoteInfo, Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';

/** A magic packet is 6 × 0xFF then the target MAC 16 times; a SecureOn password of 4 or 6 bytes may follow. */
const SYNC_BYTES = 6;
const MAC_BYTES = 6;
const MAC_REPEATS = 16;
const MAGIC_PACKET_BYTES = SYNC_BYTES + MAC_BYTES * MAC_REPEATS;
const VALID_LENGTHS = new Set([MAGIC_PACKET_BYTES, MAGIC_PACKET_BYTES + 4, MAGIC_PACKET_BYTES + 6]);

/** When a valid packet arrived: monotonic (for latency measurements) and wall-clock (for logs). */
export interface ArrivalTime {
  monotonicMs: number;
  epochMs: number;
}

export interface MagicPacketArrival {
  /** Lower-case, colon-separated. */
  mac: string;
  at: ArrivalTime;
  from: { address: string; port: number };
}

export type MagicPacketRejection = 'malformed' | 'unknown-mac';

export interface WakeOnLanListenerEvents {
  'magic-packet': [MagicPacketArrival];
  rejected: [{ reason: MagicPacketRejection; bytes: number; mac?: string }];
}

/** Normalises `AA-BB-...` / `aa:bb:...` to `aa:bb:cc:dd:ee:ff`. */
export function normaliseMac(mac: string): string {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '');
  if (hex.length !== 12) throw new Error(`"${mac}" is not a MAC address (six hex pairs, e.g. 02:53:00:00:00:01)`);
  return hex.match(/../g)!.join(':');
}

/**
 * The MAC a magic packet targets, or undefined when the packet is not a well-formed magic packet. The SecureOn
 * password, if any, is ignored: the simulated cards do not require one.
 */
export function parseMagicPacket(packet: Buffer): string | undefined {
  if (!VALID_LENGTHS.has(packet.length)) return undefined;
  for (let i = 0; i < SYNC_BYTES; i += 1) if (packet[i] !== 0xff) return undefined;
  const mac = packet.subarray(SYNC_BYTES, SYNC_BYTES + MAC_BYTES);
  for (let repeat = 1; repeat < MAC_REPEATS; repeat += 1) {
    const offset = SYNC_BYTES + repeat * MAC_BYTES;
    if (!mac.equals(packet.subarray(offset, offset + MAC_BYTES))) return undefined;
  }
  return [...mac].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}

/** Builds a magic packet (used by tests and by anyone who wants to poke the simulator by hand). */
export function buildMagicPacket(mac: string): Buffer {
  const macBytes = Buffer.from(normaliseMac(mac).replace(/:/g, ''), 'hex');
  return Buffer.concat([Buffer.alloc(SYNC_BYTES, 0xff), ...Array.from({ length: MAC_REPEATS }, () => macBytes)]);
}

export interface WakeOnLanListenerOptions {
  /** UDP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  host?: string;
}

/**
 * One UDP socket standing in for a broadcast domain: every simulated network card on it sees each packet,
 * and only the card whose MAC the packet names reacts. Cards register by MAC.
 */
export class WakeOnLanListener extends EventEmitter<WakeOnLanListenerEvents> {
  private readonly cards = new Set<string>();
  private socket: Socket | undefined;
  private boundPort = 0;
  private readonly counters = { valid: 0, malformed: 0, unknownMac: 0 };

  constructor(private readonly options: WakeOnLanListenerOptions = {}) {
    super();
  }

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Packets seen so far, by outcome. */
  get stats(): { valid: number; malformed: number; unknownMac: number } {
    return { ...this.counters };
  }

  addCard(mac: string): void {
    this.cards.add(normaliseMac(mac));
  }

  removeCard(mac: string): void {
    this.cards.delete(normaliseMac(mac));
  }

  async start(): Promise<void> {
    if (this.socket) return;
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    socket.on('message', (packet, remote) => this.receive(packet, remote));
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(this.options.port ?? 0, this.host, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A socket error after binding (rare on loopback) must not crash the simulator; the packet is just lost.
    socket.on('error', () => undefined);
    this.socket = socket;
    this.boundPort = socket.address().port;
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private receive(packet: Buffer, remote: RemoteInfo): void {
    const at = { monotonicMs: performance.now(), epochMs: Date.now() };
    const mac = parseMagicPacket(packet);
    if (!mac) {
      this.counters.malformed += 1;
      this.emit('rejected', { reason: 'malformed', bytes: packet.length });
      return;
    }
    if (!this.cards.has(mac)) {
      this.counters.unknownMac += 1;
      this.emit('rejected', { reason: 'unknown-mac', bytes: packet.length, mac });
      return;
    }
    this.counters.valid += 1;
    this.emit('magic-packet', { mac, at, from: { address: remote.address, port: remote.port } });
  }
}
