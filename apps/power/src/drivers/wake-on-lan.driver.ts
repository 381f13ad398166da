/**
 * Wake-on-LAN driver (`node.driver.wake = wol`): sends the magic packet (6 x 0xFF, then the node's MAC 16
 * times) over UDP with the `wake_on_lan` package.
 *
 * Where the packet goes, first match wins:
 *   1. the node's own `driver.wol` settings (broadcast address, port, repeat);
 *   2. the configured subnet that contains the node's IP (its directed broadcast, e.g. 10.0.1.255 for
 *      10.0.1.0/24, unless the subnet names one), so one setting covers a rack;
 *   3. the driver's default (255.255.255.255:9, 3 packets).
 * Packets are repeated because UDP may drop one and a NIC in a deep sleep state may miss the first.
 * Sending proves only that the packets left; the actuation layer verifies the node came up.
 */
import * as wol from 'wake_on_lan';
import { isIPv4 } from 'node:net';
import type { Node } from '@somnus/contracts';
import { DriverContext, DriverResult, PowerAction, PowerDriver, PowerDriverError, SupportCheck } from './power-driver.port';

export interface WakeTarget {
  readonly address: string;
  readonly port: number;
  readonly packets: number;
  readonly intervalMs: number;
}

/** A subnet's Wake-on-LAN default: every node whose IP falls in `cidr` gets this broadcast and port. */
export interface WakeOnLanSubnet {
  /** IPv4 network, e.g. `10.0.1.0/24`. */
  readonly cidr: string;
  /** Where to send; defaults to the subnet's directed broadcast address. */
  readonly broadcast?: string;
  readonly port?: number;
  readonly repeat?: number;
}

export interface WakeOnLanDriverOptions {
  readonly defaultBroadcast?: string;
  readonly defaultPort?: number;
  readonly defaultRepeat?: number;
  readonly subnets?: readonly WakeOnLanSubnet[];
  /** Milliseconds between repeated packets; default 100 (the `wake_on_lan` default). */
  readonly intervalMs?: number;
  /** How to put packets on the wire; the default uses `wake_on_lan`. Replaced in unit tests. */
  readonly send?: MagicPacketSender;
}

export type MagicPacketSender = (mac: string, target: WakeTarget) => Promise<void>;

export class WakeOnLanSendError extends PowerDriverError {
  constructor(message: string) {
    super('wol-send-failed', message, true);
  }
}

const DEFAULTS = { broadcast: '255.255.255.255', port: 9, repeat: 3, intervalMs: 100 } as const;

/** Parses `a.b.c.d/len` into a network and mask, or throws naming the bad value. */
export function parseIpv4Cidr(cidr: string): { network: number; mask: number } {
  const [address, lengthText] = cidr.split('/');
  const length = Number(lengthText);
  if (!address || !isIPv4(address) || !Number.isInteger(length) || length < 0 || length > 32) {
    throw new Error(`subnet "${cidr}" must be an IPv4 network like 10.0.1.0/24`);
  }
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return { network: (ipv4ToNumber(address) & mask) >>> 0, mask };
}

function ipv4ToNumber(address: string): number {
  return address.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}

function numberToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** Where and how often to send the magic packet for this node (pure; see the file comment for the order). */
export function wakeTargetFor(node: Node, options: WakeOnLanDriverOptions = {}): WakeTarget {
  const intervalMs = options.intervalMs ?? DEFAULTS.intervalMs;
  if (node.driver.wol) {
    return { address: node.driver.wol.broadcast, port: node.driver.wol.port, packets: node.driver.wol.repeat, intervalMs };
  }
  if (node.ip && isIPv4(node.ip)) {
    const ip = ipv4ToNumber(node.ip);
    for (const subnet of options.subnets ?? []) {
      const { network, mask } = parseIpv4Cidr(subnet.cidr);
      if (((ip & mask) >>> 0) !== network) continue;
      return {
        address: subnet.broadcast ?? numberToIpv4((network | ~mask) >>> 0),
        port: subnet.port ?? options.defaultPort ?? DEFAULTS.port,
        packets: subnet.repeat ?? options.defaultRepeat ?? DEFAULTS.repeat,
        intervalMs,
      };
    }
  }
  return {
    address: options.defaultBroadcast ?? DEFAULTS.broadcast,
    port: options.defaultPort ?? DEFAULTS.port,
    packets: options.defaultRepeat ?? DEFAULTS.repeat,
    intervalMs,
  };
}

/** The real sender. Bounded: a send that has not called back well after its last packet is a failure. */
export const sendWithWakeOnLan: MagicPacketSender = (mac, target) =>
  new Promise<void>((resolve, reject) => {
    const limitMs = target.packets * target.intervalMs + 5_000;
    const timer = setTimeout(() => reject(new Error(`no confirmation from the UDP socket within ${limitMs} ms`)), limitMs);
    try {
      wol.wake(mac, { address: target.address, port: target.port, num_packets: target.packets, interval: target.intervalMs }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    } catch (error) {
      clearTimeout(timer);
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });

export class WakeOnLanDriver implements PowerDriver {
  readonly name = 'wol';
  private readonly send: MagicPacketSender;

  constructor(private readonly options: WakeOnLanDriverOptions = {}) {
    for (const subnet of options.subnets ?? []) parseIpv4Cidr(subnet.cidr); // a bad subnet fails at start-up, not at 3 a.m.
    this.send = options.send ?? sendWithWakeOnLan;
  }

  supports(action: PowerAction, node: Node): SupportCheck {
    if (action !== 'wake') return { supported: false, reason: 'Wake-on-LAN can only wake a node' };
    if (!node.mac) return { supported: false, reason: 'the node has no MAC address in the catalogue' };
    return { supported: true };
  }

  async wake(node: Node, _ctx: DriverContext): Promise<DriverResult> {
    if (!node.mac) {
      return { ok: false, driver: this.name, reason: `node ${node.name} has no MAC address`, error: new PowerDriverError('wol-no-mac', `node ${node.name} has no MAC address`, false) };
    }
    const target = wakeTargetFor(node, this.options);
    try {
      await this.send(node.mac, target);
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      const reason = `could not send Wake-on-LAN to ${target.address}:${target.port} for ${node.mac}: ${cause}`;
      return { ok: false, driver: this.name, reason, error: new WakeOnLanSendError(reason) };
    }
    const plural = target.packets === 1 ? '' : 's';
    return { ok: true, driver: this.name, detail: `sent ${target.packets} magic packet${plural} for ${node.mac} to ${target.address}:${target.port}` };
  }
}
