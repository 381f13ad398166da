// The actuation layer assembled from configuration: drivers, limits, verifiers and the two use-cases, sharing
// one set of node locks so a node is never woken and put to sleep at once.
import type { RuntimeConfig } from '@somnus/runtime';
import { loadKubeConfig } from '@somnus/runtime';
import { Clock, systemClock } from '@somnus/runtime';
import { PowerRateLimits } from './actuation/rate-limiter';
import { NodeActionLocks } from './actuation/recent-commands';
import { SleepNodeUseCase } from './actuation/sleep-node.use-case';
import { SleepVerifier } from './actuation/sleep-verifier';
import { WakeNodeUseCase } from './actuation/wake-node.use-case';
import { WakeVerifier } from './actuation/wake-verifier';
import { PowerDriverRegistry } from './drivers/power-driver.port';
import { SshPowerDriver } from './drivers/ssh.driver';
import { DirectorySshKeyStore } from './drivers/ssh-key-store.adapter';
import { SshKeyStore } from './drivers/ssh-key-store.port';
import { WakeOnLanDriver } from './drivers/wake-on-lan.driver';
import { ScriptPowerDriver } from './drivers/script.driver';
import { WebhookPowerDriver } from './drivers/webhook.driver';
import { RedfishPowerDriver } from './drivers/redfish.driver';
import { IpmiPowerDriver } from './drivers/ipmi.driver';
import { DirectorySecretStore, type SecretStore } from './drivers/secret-store';
import { PowerConfig } from './config/power.config';
import { kubernetesReadiness } from './kubernetes/kubernetes-ready.adapter';

export interface PowerActuation {
  readonly clock: Clock;
  readonly drivers: PowerDriverRegistry;
  readonly ssh: SshPowerDriver;
  readonly limits: PowerRateLimits;
  readonly locks: NodeActionLocks;
  readonly wake: WakeNodeUseCase;
  readonly sleep: SleepNodeUseCase;
  /** How a wake is verified, for the README and the start-up log. */
  readonly verification: string;
}

export const POWER_ACTUATION = Symbol('POWER_ACTUATION');
export const POWER_CONFIG = Symbol('POWER_CONFIG');

export interface PowerActuationOptions {
  readonly config: PowerConfig;
  readonly runtime: Pick<RuntimeConfig, 'sshKeyDir' | 'secretsDir' | 'kubernetesMode' | 'KUBECONFIG'>;
  readonly clock?: Clock;
  /** Replaces the directory key store (tests, secret managers). */
  readonly keys?: SshKeyStore;
  /** Replaces the directory secret store (BMC passwords, webhook keys). */
  readonly secrets?: SecretStore;
}

export function createPowerActuation(options: PowerActuationOptions): PowerActuation {
  const { config, runtime } = options;
  const clock = options.clock ?? systemClock;
  const ssh = new SshPowerDriver({
    keys: options.keys ?? new DirectorySshKeyStore(runtime.sshKeyDir),
    connectTimeoutMs: config.ssh.connectTimeoutMs,
    commandTimeoutMs: config.ssh.commandTimeoutMs,
  });
  const secrets = options.secrets ?? new DirectorySecretStore(runtime.secretsDir);
  const drivers = new PowerDriverRegistry([
    new WakeOnLanDriver(config.wol),
    ssh,
    new ScriptPowerDriver({ secrets }),
    new WebhookPowerDriver({ secrets, clock }),
    new RedfishPowerDriver({ secrets }),
    new IpmiPowerDriver({ secrets }),
  ]);
  const limits = new PowerRateLimits(config.limits, () => clock.now());
  const locks = new NodeActionLocks();
  const kubeConfig = loadKubeConfig(runtime);
  const isKubernetesReady = kubeConfig ? kubernetesReadiness(kubeConfig, config.kubeTimeoutMs) : undefined;
  const wakeVerifier = new WakeVerifier({ clock, sshHandshake: (node) => ssh.verifyHandshake(node), isKubernetesReady }, config.wakeVerifier);
  const wake = new WakeNodeUseCase({ drivers, limits, locks, clock, verifier: wakeVerifier, retryPolicy: config.retry });
  const sleep = new SleepNodeUseCase({ drivers, limits, locks, clock, verifier: new SleepVerifier({ clock }, config.sleepVerifier) });
  const verification = ['TCP', 'pinned SSH handshake', ...(isKubernetesReady ? [`Kubernetes Ready (${runtime.kubernetesMode})`] : [])].join(' + ');
  return { clock, drivers, ssh, limits, locks, wake, sleep, verification };
}
