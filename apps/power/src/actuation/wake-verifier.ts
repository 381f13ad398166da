// Did the node really come up? A sent magic packet proves nothing; the node must answer.
//
// Stages, in order, each polled until it passes or the node's deadline passes:
//   tcp         its SSH port accepts a connection (the OS is up);
//   ssh         optional: an SSH handshake with the pinned host key succeeds (it is *our* node, not a
//               reinstalled or impostor machine); a host key mismatch ends the verification at once;
//   kubernetes  for a Kubernetes node, when a readiness check is given: the Node object is Ready.
import type { Node } from '@somnus/contracts';
import { PowerDriverError } from '../drivers/power-driver.port';
import { Clock } from '@somnus/runtime';
import { TcpProbe, tcpReachable } from './tcp-probe.adapter';

export type VerificationStage = 'tcp' | 'ssh' | 'kubernetes';

export type WakeVerification =
  | { readonly verified: true; readonly verifiedBy: readonly VerificationStage[]; readonly elapsedMs: number }
  | {
      readonly verified: false;
      readonly stage: VerificationStage;
      readonly reason: string;
      readonly elapsedMs: number;
      /** True when waiting longer or waking again cannot help (a changed host key, no address). */
      readonly permanent: boolean;
      readonly error?: PowerDriverError;
    };

/** What the wake use-case needs; the class below is the real one. */
export interface VerifiesWake {
  verify(node: Node): Promise<WakeVerification>;
}

export interface WakeVerifierSettings {
  /** Used when the node has no power profile. Default 180 s. */
  readonly defaultTimeoutMs: number;
  /** With a power profile, the deadline is bootSeconds x this factor (boot times vary), at least `minTimeoutMs`. */
  readonly bootTimeoutFactor: number;
  readonly minTimeoutMs: number;
  /** Hard ceiling for any node. Default 15 min. */
  readonly maxTimeoutMs: number;
  readonly pollIntervalMs: number;
  /** Each TCP connection attempt. */
  readonly probeTimeoutMs: number;
}

export const DEFAULT_WAKE_VERIFIER_SETTINGS: WakeVerifierSettings = {
  defaultTimeoutMs: 180_000,
  bootTimeoutFactor: 3,
  minTimeoutMs: 30_000,
  maxTimeoutMs: 900_000,
  pollIntervalMs: 2_000,
  probeTimeoutMs: 1_000,
};

export interface WakeVerifierDeps {
  readonly clock: Clock;
  readonly tcpProbe?: TcpProbe;
  /** Connects with the pinned host key and authenticates (e.g. `SshPowerDriver.verifyHandshake`); throws on failure. */
  readonly sshHandshake?: (node: Node) => Promise<void>;
  /** Whether the Kubernetes Node is Ready. Must bound its own time (an API call with a timeout). */
  readonly isKubernetesReady?: (kubernetesNodeName: string) => Promise<boolean>;
}

/** The node's verification deadline (pure). */
export function wakeTimeoutMs(node: Node, settings: WakeVerifierSettings = DEFAULT_WAKE_VERIFIER_SETTINGS): number {
  const fromProfile = node.powerProfile ? Math.max(settings.minTimeoutMs, node.powerProfile.bootSeconds * 1000 * settings.bootTimeoutFactor) : settings.defaultTimeoutMs;
  return Math.min(settings.maxTimeoutMs, fromProfile);
}

/** Where a node answers when it is up: its SSH endpoint, else port 22 of its IP. */
export function reachabilityTarget(node: Node): { host: string; port: number } | null {
  if (node.ssh) return { host: node.ssh.host, port: node.ssh.port };
  if (node.ip) return { host: node.ip, port: 22 };
  return null;
}

type StageCheck = { passed: true } | { passed: false; reason: string; permanent: boolean; error?: PowerDriverError };

export class WakeVerifier implements VerifiesWake {
  private readonly settings: WakeVerifierSettings;
  private readonly tcpProbe: TcpProbe;

  constructor(
    private readonly deps: WakeVerifierDeps,
    settings: Partial<WakeVerifierSettings> = {},
  ) {
    this.settings = { ...DEFAULT_WAKE_VERIFIER_SETTINGS, ...settings };
    if (!(this.settings.pollIntervalMs > 0)) throw new Error('wake verification poll interval must be positive');
    this.tcpProbe = deps.tcpProbe ?? tcpReachable;
  }

  stagesFor(node: Node): VerificationStage[] {
    const stages: VerificationStage[] = ['tcp'];
    if (this.deps.sshHandshake && node.ssh) stages.push('ssh');
    if (this.deps.isKubernetesReady && node.kubernetesNodeName) stages.push('kubernetes');
    return stages;
  }

  async verify(node: Node): Promise<WakeVerification> {
    const { clock } = this.deps;
    const started = clock.now();
    const timeoutMs = wakeTimeoutMs(node, this.settings);
    const deadline = started + timeoutMs;
    const stages = this.stagesFor(node);
    // Each poll either passes a stage or sleeps; this bounds the loop even with a clock that stands still.
    const maxPolls = stages.length + Math.ceil(timeoutMs / this.settings.pollIntervalMs) + 1;

    let index = 0;
    let last: StageCheck = { passed: false, reason: 'not checked yet', permanent: false };
    for (let poll = 0; poll < maxPolls; poll++) {
      const stage = stages[index]!;
      last = await this.check(stage, node);
      if (last.passed) {
        index += 1;
        if (index === stages.length) return { verified: true, verifiedBy: stages, elapsedMs: clock.now() - started };
        continue;
      }
      if (last.permanent) return { verified: false, stage, reason: last.reason, permanent: true, error: last.error, elapsedMs: clock.now() - started };
      const remaining = deadline - clock.now();
      if (remaining <= 0) break;
      await clock.sleep(Math.min(this.settings.pollIntervalMs, remaining));
    }
    const stage = stages[Math.min(index, stages.length - 1)]!;
    const why = last.passed ? '' : `: ${last.reason}`;
    return {
      verified: false,
      stage,
      reason: `node ${node.name} was not verified awake within ${Math.round(timeoutMs / 1000)} s (stuck at ${stage}${why})`,
      permanent: false,
      error: last.passed ? undefined : last.error,
      elapsedMs: clock.now() - started,
    };
  }

  private async check(stage: VerificationStage, node: Node): Promise<StageCheck> {
    switch (stage) {
      case 'tcp': {
        const target = reachabilityTarget(node);
        if (!target) return { passed: false, reason: `node ${node.name} has no ssh host or IP to check`, permanent: true };
        const reachable = await this.tcpProbe(target.host, target.port, this.settings.probeTimeoutMs);
        return reachable ? { passed: true } : { passed: false, reason: `nothing answers on ${target.host}:${target.port}`, permanent: false };
      }
      case 'ssh': {
        try {
          await this.deps.sshHandshake?.(node);
          return { passed: true };
        } catch (error) {
          if (error instanceof PowerDriverError) return { passed: false, reason: error.message, permanent: !error.retryable, error };
          return { passed: false, reason: `SSH handshake failed: ${error instanceof Error ? error.message : String(error)}`, permanent: false };
        }
      }
      case 'kubernetes': {
        const name = node.kubernetesNodeName ?? node.name;
        try {
          const ready = await this.deps.isKubernetesReady?.(name);
          return ready ? { passed: true } : { passed: false, reason: `Kubernetes node ${name} is not Ready`, permanent: false };
        } catch (error) {
          return { passed: false, reason: `cannot read Kubernetes node ${name}: ${error instanceof Error ? error.message : String(error)}`, permanent: false };
        }
      }
    }
  }
}
