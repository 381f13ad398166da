import { z } from 'zod';
import { describeIssues, ipSchema } from '@somnus/contracts';
import type { RetryPolicy } from '../actuation/retry-policy';
import type { PowerRateLimitSettings } from '../actuation/rate-limiter';
import type { WakeVerifierSettings } from '../actuation/wake-verifier';
import type { SleepVerifierSettings } from '../actuation/sleep-verifier';

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalMs = z.coerce.number().int().positive().optional();

/**
 * The power service's environment variables (the README's table is this). Rates follow Slurm's
 * ResumeRate/SuspendRate (nodes per minute, 0 = unlimited).
 */
export const powerEnvSchema = z.object({
  SOMNUS_RESUME_RATE: count(300),
  SOMNUS_SUSPEND_RATE: count(60),
  SOMNUS_MAX_CONCURRENT_WAKES: count(20),
  /** Wake attempts in total (the first included) before node-wake-failed. */
  SOMNUS_WAKE_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(3),
  /** Wait before the second attempt; each further wait doubles, up to SOMNUS_WAKE_RETRY_MAX_MS. */
  SOMNUS_WAKE_RETRY_BASE_MS: z.coerce.number().int().min(0).default(5_000),
  SOMNUS_WAKE_RETRY_MAX_MS: z.coerce.number().int().min(0).default(60_000),
  /** Verification deadline of every wake attempt, replacing the per-node one (bootSeconds x 3, 30 s to 15 min). */
  SOMNUS_WAKE_TIMEOUT_MS: optionalMs,
  /** Deadline for a node to stop answering after a suspend, replacing the per-node one. */
  SOMNUS_SLEEP_TIMEOUT_MS: optionalMs,
  /** How often a waking (or suspending) node is probed. */
  SOMNUS_VERIFY_POLL_MS: positive(1_000),
  SOMNUS_WOL_BROADCAST: ipSchema.default('255.255.255.255'),
  SOMNUS_WOL_PORT: z.coerce.number().int().min(1).max(65535).default(9),
  SOMNUS_WOL_REPEAT: z.coerce.number().int().min(1).max(10).default(3),
  SOMNUS_WOL_INTERVAL_MS: z.coerce.number().int().min(0).max(5_000).default(100),
  SOMNUS_SSH_CONNECT_TIMEOUT_MS: positive(10_000),
  SOMNUS_SSH_COMMAND_TIMEOUT_MS: positive(30_000),
  /** Each Kubernetes API call of the Ready check. */
  SOMNUS_KUBE_TIMEOUT_MS: positive(5_000),
  /** Energy sample period per node; 0 turns metering off. */
  SOMNUS_ENERGY_SAMPLE_MS: count(60_000),
  /** Probe every node's SSH port at start to learn whether it is on or off (else its power state is unknown). */
  SOMNUS_POWER_PROBE_ON_START: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

export type PowerEnv = z.infer<typeof powerEnvSchema>;

export interface PowerConfig {
  readonly limits: PowerRateLimitSettings;
  readonly retry: RetryPolicy;
  readonly wakeVerifier: Partial<WakeVerifierSettings>;
  readonly sleepVerifier: Partial<SleepVerifierSettings>;
  readonly wol: { readonly defaultBroadcast: string; readonly defaultPort: number; readonly defaultRepeat: number; readonly intervalMs: number };
  readonly ssh: { readonly connectTimeoutMs: number; readonly commandTimeoutMs: number };
  readonly kubeTimeoutMs: number;
  readonly energySampleMs: number;
  readonly probeOnStart: boolean;
}

export class PowerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PowerConfigError';
  }
}

/** Parses the power service's settings; an invalid value fails at start-up naming the variable. */
export function loadPowerConfig(env: NodeJS.ProcessEnv = process.env): PowerConfig {
  const parsed = powerEnvSchema.safeParse(env);
  if (!parsed.success) throw new PowerConfigError(`invalid power configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  if (e.SOMNUS_WAKE_RETRY_MAX_MS < e.SOMNUS_WAKE_RETRY_BASE_MS) {
    throw new PowerConfigError('invalid power configuration: SOMNUS_WAKE_RETRY_MAX_MS must be at least SOMNUS_WAKE_RETRY_BASE_MS');
  }
  const poll = { pollIntervalMs: e.SOMNUS_VERIFY_POLL_MS, probeTimeoutMs: Math.min(1_000, e.SOMNUS_VERIFY_POLL_MS * 2) };
  const wakeTimeout = e.SOMNUS_WAKE_TIMEOUT_MS;
  const sleepTimeout = e.SOMNUS_SLEEP_TIMEOUT_MS;
  return {
    limits: { resumesPerMinute: e.SOMNUS_RESUME_RATE, suspendsPerMinute: e.SOMNUS_SUSPEND_RATE, concurrentWakes: e.SOMNUS_MAX_CONCURRENT_WAKES },
    retry: { maxAttempts: e.SOMNUS_WAKE_ATTEMPTS, baseDelayMs: e.SOMNUS_WAKE_RETRY_BASE_MS, factor: 2, maxDelayMs: e.SOMNUS_WAKE_RETRY_MAX_MS },
    // An override is one deadline for every node: default, floor and ceiling all set to it.
    wakeVerifier: { ...poll, ...(wakeTimeout ? { defaultTimeoutMs: wakeTimeout, minTimeoutMs: wakeTimeout, maxTimeoutMs: wakeTimeout, bootTimeoutFactor: 0 } : {}) },
    sleepVerifier: { ...poll, ...(sleepTimeout ? { defaultTimeoutMs: sleepTimeout, minTimeoutMs: sleepTimeout, suspendTimeoutFactor: 0 } : {}) },
    wol: { defaultBroadcast: e.SOMNUS_WOL_BROADCAST, defaultPort: e.SOMNUS_WOL_PORT, defaultRepeat: e.SOMNUS_WOL_REPEAT, intervalMs: e.SOMNUS_WOL_INTERVAL_MS },
    ssh: { connectTimeoutMs: e.SOMNUS_SSH_CONNECT_TIMEOUT_MS, commandTimeoutMs: e.SOMNUS_SSH_COMMAND_TIMEOUT_MS },
    kubeTimeoutMs: e.SOMNUS_KUBE_TIMEOUT_MS,
    energySampleMs: e.SOMNUS_ENERGY_SAMPLE_MS,
    probeOnStart: e.SOMNUS_POWER_PROBE_ON_START,
  };
}
