import { z } from 'zod';
import { describeIssues } from '@somnus/contracts';
import { SOMNUS_PRESETS, type SomnusOptions, type SomnusPreset } from '@somnus/policy';

/**
 * The scheduler's own settings, from the environment. Durations are milliseconds. The policy settings are
 * the Somnus policy's options (libs/policy), so the live scheduler and the trace replay can be tuned alike.
 */
export const schedulerEnvSchema = z
  .object({
    /** How often the leader asks the policy even when nothing happened (idle nodes, forecasts, windows). */
    SCHEDULER_TICK_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    /** How long a leader's lease lasts without renewal: a dead leader is replaced within about this long. */
    SCHEDULER_LEASE_MS: z.coerce.number().int().min(500).max(600_000).default(5_000),
    /** How often the leader renews (and a follower tries to take) the lease. */
    SCHEDULER_LEASE_RENEW_MS: z.coerce.number().int().min(100).max(600_000).default(1_500),
    /** How long a wake asked for counts as under way when no lifecycle or power event says otherwise. */
    SCHEDULER_WAKE_IN_FLIGHT_MS: z.coerce.number().int().min(1_000).default(300_000),
    /** The same for a drain-and-sleep. */
    SCHEDULER_SLEEP_IN_FLIGHT_MS: z.coerce.number().int().min(1_000).default(300_000),
    /** After a drain was refused, how long before the scheduler proposes sleeping that node again. */
    SCHEDULER_SLEEP_RETRY_MS: z.coerce.number().int().min(0).default(600_000),
    /** After power refused a wake, how long before the scheduler asks again (the next tick after it). */
    SCHEDULER_WAKE_RETRY_MS: z.coerce.number().int().min(0).default(5_000),
    /** Backoff of the pod and node watches after an error: first and largest delay. */
    SCHEDULER_WATCH_BACKOFF_MS: z.coerce.number().int().min(10).default(500),
    SCHEDULER_WATCH_BACKOFF_MAX_MS: z.coerce.number().int().min(10).default(30_000),
    /**
     * Somnus policy: the named point on the energy/wait trade-off to start from (libs/policy SOMNUS_PRESETS):
     * `least-energy` (default) or `no-wait`. The settings below, when given, override the preset's.
     */
    SCHEDULER_POLICY_PRESET: z.enum(Object.keys(SOMNUS_PRESETS) as [SomnusPreset, ...SomnusPreset[]]).default('least-energy'),
    /** Somnus policy: free node-equivalents always kept awake. */
    SCHEDULER_MIN_HEADROOM_NODES: z.coerce.number().min(0).optional(),
    /** Somnus policy: extra free room as a share of current demand. */
    SCHEDULER_HEADROOM_FRACTION: z.coerce.number().min(0).max(10).optional(),
    /** Somnus policy: idle time before sleeping, in break-even times of a power cycle. */
    SCHEDULER_IDLE_GRACE_BREAK_EVENS: z.coerce.number().min(0).optional(),
    /** Somnus policy: wake nodes ahead of forecast demand. */
    SCHEDULER_PRE_WAKE: z
      .enum(['true', 'false'])
      .optional()
      .transform((v) => (v === undefined ? undefined : v === 'true')),
    /** Somnus policy: share of arrivals that should find room without waiting for a boot. */
    SCHEDULER_COVERED_ARRIVAL_SHARE: z.coerce.number().min(0).max(1).optional(),
    /** Somnus policy: share of new work that may wait for a boot; Somnus learns how long to hold room to keep it. */
    SCHEDULER_WAIT_BUDGET: z.coerce.number().gt(0, 'must be a share above 0').lt(1, 'must be a share below 1').optional(),
  })
  .refine((env) => env.SCHEDULER_LEASE_RENEW_MS * 2 <= env.SCHEDULER_LEASE_MS, {
    message: 'SCHEDULER_LEASE_RENEW_MS must be at most half of SCHEDULER_LEASE_MS, so a slow renewal does not lose the lease',
    path: ['SCHEDULER_LEASE_RENEW_MS'],
  });

export type SchedulerEnv = z.infer<typeof schedulerEnvSchema>;

export interface SchedulerConfig {
  tickMs: number;
  leaseMs: number;
  leaseRenewMs: number;
  wakeInFlightMs: number;
  sleepInFlightMs: number;
  sleepRetryMs: number;
  wakeRetryMs: number;
  watchBackoffMs: number;
  watchBackoffMaxMs: number;
  /** The preset's settings with the explicitly given ones on top. */
  policy: Partial<SomnusOptions>;
  /** How decisions name the policy: `somnus`, or `somnus-<preset>` for another preset (as the replay does). */
  policyName: string;
}

export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  const parsed = schedulerEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid scheduler configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
  const explicit: Partial<SomnusOptions> = {
    minHeadroomNodes: e.SCHEDULER_MIN_HEADROOM_NODES,
    headroomFraction: e.SCHEDULER_HEADROOM_FRACTION,
    idleGraceBreakEvens: e.SCHEDULER_IDLE_GRACE_BREAK_EVENS,
    preWake: e.SCHEDULER_PRE_WAKE,
    coveredArrivalShare: e.SCHEDULER_COVERED_ARRIVAL_SHARE,
    waitBudget: e.SCHEDULER_WAIT_BUDGET,
  };
  return {
    tickMs: e.SCHEDULER_TICK_MS,
    leaseMs: e.SCHEDULER_LEASE_MS,
    leaseRenewMs: e.SCHEDULER_LEASE_RENEW_MS,
    wakeInFlightMs: e.SCHEDULER_WAKE_IN_FLIGHT_MS,
    sleepInFlightMs: e.SCHEDULER_SLEEP_IN_FLIGHT_MS,
    sleepRetryMs: e.SCHEDULER_SLEEP_RETRY_MS,
    wakeRetryMs: e.SCHEDULER_WAKE_RETRY_MS,
    watchBackoffMs: e.SCHEDULER_WATCH_BACKOFF_MS,
    watchBackoffMaxMs: Math.max(e.SCHEDULER_WATCH_BACKOFF_MS, e.SCHEDULER_WATCH_BACKOFF_MAX_MS),
    policy: { ...SOMNUS_PRESETS[e.SCHEDULER_POLICY_PRESET], ...definedOnly(explicit) },
    policyName: e.SCHEDULER_POLICY_PRESET === 'least-energy' ? 'somnus' : `somnus-${e.SCHEDULER_POLICY_PRESET}`,
  };
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}


export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');
