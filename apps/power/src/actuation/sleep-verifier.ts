// Did the node really go to sleep? It must stop answering on its SSH port within its deadline. A node that
// still answers after a suspend was sent is reported, never assumed asleep (it would keep drawing power
// while the fleet view says otherwise).
import type { Node } from '@somnus/contracts';
import { Clock } from '@somnus/runtime';
import { TcpProbe, tcpReachable } from './tcp-probe.adapter';
import { reachabilityTarget } from './wake-verifier';

export type SleepVerification =
  | { readonly asleep: true; readonly elapsedMs: number }
  | { readonly asleep: false; readonly reason: string; readonly elapsedMs: number };

export interface VerifiesSleep {
  verify(node: Node): Promise<SleepVerification>;
}

export interface SleepVerifierSettings {
  /** Used when the node has no power profile. Default 60 s. */
  readonly defaultTimeoutMs: number;
  /** With a power profile: suspendSeconds x this factor, at least `minTimeoutMs`. */
  readonly suspendTimeoutFactor: number;
  readonly minTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly probeTimeoutMs: number;
}

export const DEFAULT_SLEEP_VERIFIER_SETTINGS: SleepVerifierSettings = {
  defaultTimeoutMs: 60_000,
  suspendTimeoutFactor: 4,
  minTimeoutMs: 15_000,
  pollIntervalMs: 1_000,
  probeTimeoutMs: 1_000,
};

export function sleepTimeoutMs(node: Node, settings: SleepVerifierSettings = DEFAULT_SLEEP_VERIFIER_SETTINGS): number {
  return node.powerProfile ? Math.max(settings.minTimeoutMs, node.powerProfile.suspendSeconds * 1000 * settings.suspendTimeoutFactor) : settings.defaultTimeoutMs;
}

export class SleepVerifier implements VerifiesSleep {
  private readonly settings: SleepVerifierSettings;
  private readonly tcpProbe: TcpProbe;

  constructor(
    private readonly deps: { readonly clock: Clock; readonly tcpProbe?: TcpProbe },
    settings: Partial<SleepVerifierSettings> = {},
  ) {
    this.settings = { ...DEFAULT_SLEEP_VERIFIER_SETTINGS, ...settings };
    if (!(this.settings.pollIntervalMs > 0)) throw new Error('sleep verification poll interval must be positive');
    this.tcpProbe = deps.tcpProbe ?? tcpReachable;
  }

  async verify(node: Node): Promise<SleepVerification> {
    const { clock } = this.deps;
    const started = clock.now();
    const target = reachabilityTarget(node);
    if (!target) return { asleep: false, reason: `node ${node.name} has no ssh host or IP to check that it went to sleep`, elapsedMs: 0 };
    const timeoutMs = sleepTimeoutMs(node, this.settings);
    const deadline = started + timeoutMs;
    const maxPolls = Math.ceil(timeoutMs / this.settings.pollIntervalMs) + 1;
    for (let poll = 0; poll < maxPolls; poll++) {
      if (!(await this.tcpProbe(target.host, target.port, this.settings.probeTimeoutMs))) return { asleep: true, elapsedMs: clock.now() - started };
      const remaining = deadline - clock.now();
      if (remaining <= 0) break;
      await clock.sleep(Math.min(this.settings.pollIntervalMs, remaining));
    }
    return {
      asleep: false,
      reason: `node ${node.name} still answers on ${target.host}:${target.port} ${Math.round(timeoutMs / 1000)} s after it was told to sleep`,
      elapsedMs: clock.now() - started,
    };
  }
}
