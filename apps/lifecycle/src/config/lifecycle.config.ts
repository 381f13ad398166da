import { z } from 'zod';
import { describeIssues } from '@somnus/contracts';
import { DEFAULT_IDLE_THRESHOLDS, DEFAULT_SAFETY_SETTINGS, IdleThresholds, SafetySettings } from '@somnus/domain';

const ms = (fallback: number) => z.coerce.number().int().min(1).default(fallback);
const flag = (fallback: boolean) => z.enum(['true', 'false']).default(fallback ? 'true' : 'false').transform((v) => v === 'true');

/** Every variable the lifecycle service reads, with its default; the README's table is this. */
export const lifecycleEnvSchema = z.object({
  /** How long a node must stay quiet before it is idle. */
  LIFECYCLE_IDLE_GRACE_PERIOD_MS: ms(10 * 60_000),
  /** How often each ready/active/idle node is sampled (pods from Kubernetes, activity over SSH). */
  LIFECYCLE_SAMPLE_INTERVAL_MS: ms(60_000),
  /** Samples further apart break the quiet run; default: three sample intervals. */
  LIFECYCLE_MAX_SAMPLE_GAP_MS: z.coerce.number().int().min(1).optional(),
  LIFECYCLE_IDLE_MAX_MOVABLE_PODS: z.coerce.number().int().min(0).default(DEFAULT_IDLE_THRESHOLDS.maxMovableWorkloads),
  LIFECYCLE_IDLE_MAX_CPU_LOAD_PER_CORE: z.coerce.number().min(0).default(DEFAULT_IDLE_THRESHOLDS.maxCpuLoadPerCore),
  LIFECYCLE_IDLE_MAX_NETWORK_BYTES_PER_SECOND: z.coerce.number().min(0).default(DEFAULT_IDLE_THRESHOLDS.maxNetworkBytesPerSecond),
  LIFECYCLE_IDLE_MAX_SSH_SESSIONS: z.coerce.number().int().min(0).default(DEFAULT_IDLE_THRESHOLDS.maxSshSessions),
  /** A node must stay awake this long after it woke or was first seen before it may be drained. */
  LIFECYCLE_MIN_AWAKE_MS: z.coerce.number().int().min(0).default(DEFAULT_SAFETY_SETTINGS.minAwakeMs),
  /** Spare capacity the awake fleet keeps after a node sleeps: the larger of the floor and the fraction of demand. */
  LIFECYCLE_HEADROOM_CPU: z.coerce.number().min(0).default(DEFAULT_SAFETY_SETTINGS.headroom.absolute.cpu),
  LIFECYCLE_HEADROOM_MEMORY_MIB: z.coerce.number().min(0).default(DEFAULT_SAFETY_SETTINGS.headroom.absolute.memoryMiB),
  LIFECYCLE_HEADROOM_FRACTION: z.coerce.number().min(0).max(10).default(DEFAULT_SAFETY_SETTINGS.headroom.fractionOfDemand),
  LIFECYCLE_EMPTYDIR_IS_LOCAL_STORAGE: flag(DEFAULT_SAFETY_SETTINGS.emptyDirIsLocalStorage),
  LIFECYCLE_BARE_PODS_BLOCK_SLEEP: flag(DEFAULT_SAFETY_SETTINGS.barePodsBlockSleep),
  /** How long a drain waits for evicted pods to be gone before it gives up and uncordons. */
  LIFECYCLE_DRAIN_TIMEOUT_MS: ms(5 * 60_000),
  /** After a verified wake, how long to wait for the Kubernetes node to turn Ready before it counts as unhealthy. */
  LIFECYCLE_READY_TIMEOUT_MS: ms(5 * 60_000),
  /** Safety net: a node `waking` longer than this becomes `unhealthy` even if power never reported. */
  LIFECYCLE_WAKE_TIMEOUT_MS: ms(15 * 60_000),
  /** How often the wake safety net looks. */
  LIFECYCLE_WAKE_CHECK_INTERVAL_MS: ms(30_000),
  /** Polling of the Kubernetes API while draining and while waiting for Ready. */
  LIFECYCLE_POLL_INTERVAL_MS: ms(500),
  LIFECYCLE_SSH_TIMEOUT_MS: ms(10_000),
  /** Turns idle sampling off (e.g. a replica that only answers queries). */
  LIFECYCLE_IDLE_DETECTION: flag(true),
});

export interface LifecycleConfig {
  idle: IdleThresholds;
  sampleIntervalMs: number;
  idleDetection: boolean;
  safety: SafetySettings;
  drainTimeoutMs: number;
  readyTimeoutMs: number;
  wakeTimeoutMs: number;
  wakeCheckIntervalMs: number;
  pollIntervalMs: number;
  sshTimeoutMs: number;
}

export const LIFECYCLE_CONFIG = Symbol('LIFECYCLE_CONFIG');

export function loadLifecycleConfig(env: NodeJS.ProcessEnv = process.env): LifecycleConfig {
  const parsed = lifecycleEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid lifecycle configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  return {
    idle: {
      maxMovableWorkloads: e.LIFECYCLE_IDLE_MAX_MOVABLE_PODS,
      maxCpuLoadPerCore: e.LIFECYCLE_IDLE_MAX_CPU_LOAD_PER_CORE,
      maxNetworkBytesPerSecond: e.LIFECYCLE_IDLE_MAX_NETWORK_BYTES_PER_SECOND,
      maxSshSessions: e.LIFECYCLE_IDLE_MAX_SSH_SESSIONS,
      idleGracePeriodMs: e.LIFECYCLE_IDLE_GRACE_PERIOD_MS,
      maxSampleGapMs: e.LIFECYCLE_MAX_SAMPLE_GAP_MS ?? 3 * e.LIFECYCLE_SAMPLE_INTERVAL_MS,
    },
    sampleIntervalMs: e.LIFECYCLE_SAMPLE_INTERVAL_MS,
    idleDetection: e.LIFECYCLE_IDLE_DETECTION,
    safety: {
      minAwakeMs: e.LIFECYCLE_MIN_AWAKE_MS,
      headroom: { absolute: { cpu: e.LIFECYCLE_HEADROOM_CPU, memoryMiB: e.LIFECYCLE_HEADROOM_MEMORY_MIB }, fractionOfDemand: e.LIFECYCLE_HEADROOM_FRACTION },
      emptyDirIsLocalStorage: e.LIFECYCLE_EMPTYDIR_IS_LOCAL_STORAGE,
      barePodsBlockSleep: e.LIFECYCLE_BARE_PODS_BLOCK_SLEEP,
    },
    drainTimeoutMs: e.LIFECYCLE_DRAIN_TIMEOUT_MS,
    readyTimeoutMs: e.LIFECYCLE_READY_TIMEOUT_MS,
    wakeTimeoutMs: e.LIFECYCLE_WAKE_TIMEOUT_MS,
    wakeCheckIntervalMs: e.LIFECYCLE_WAKE_CHECK_INTERVAL_MS,
    pollIntervalMs: e.LIFECYCLE_POLL_INTERVAL_MS,
    sshTimeoutMs: e.LIFECYCLE_SSH_TIMEOUT_MS,
  };
}
