import { z } from 'zod';
import { describeIssues } from '@somnus/contracts';

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
    /** Somnus policy: free node-equivalents always kept awake. */
    SCHEDULER_MIN_HEADROOM_NODES: z.coerce.number().min(0).default(0),
    /** Somnus policy: extra free room as a share of current demand. */
    SCHEDULER_HEADROOM_FRACTION: z.coerce.number().min(0).max(10).default(0),
    /** Somnus policy: idle time before sleeping, in break-even times of a power cycle. */
    SCHEDULER_IDLE_GRACE_BREAK_EVENS: z.coerce.number().min(0).default(1),
    /** Somnus policy: wake nodes ahead of forecast demand. */
    SCHEDULER_PRE_WAKE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
    /** Somnus policy: share of arrivals that should find room without waiting for a boot. */
    SCHEDULER_COVERED_ARRIVAL_SHARE: z.coerce.number().min(0).max(1).default(0.25),
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
  policy: {
    minHeadroomNodes: number;
    headroomFraction: number;
    idleGraceBreakEvens: number;
    preWake: boolean;
    coveredArrivalShare: number;
  };
}

export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  const parsed = schedulerEnvSchema.safeParse(env);
  if (!parsed.success) throw new Error(`invalid scheduler configuration: ${describeIssues(parsed.error)}`);
  const e = parsed.data;
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
    policy: {
      minHeadroomNodes: e.SCHEDULER_MIN_HEADROOM_NODES,
      headroomFraction: e.SCHEDULER_HEADROOM_FRACTION,
      idleGraceBreakEvens: e.SCHEDULER_IDLE_GRACE_BREAK_EVENS,
      preWake: e.SCHEDULER_PRE_WAKE,
      coveredArrivalShare: e.SCHEDULER_COVERED_ARRIVAL_SHARE,
    },
  };
}

/** Epoch milliseconds now; injectable so tests can place "now" just before a calendar window opens. */
export type SchedulerClock = () => number;
export const systemClock: SchedulerClock = () => Date.now();

export const SCHEDULER_CONFIG = Symbol('SCHEDULER_CONFIG');
export const SCHEDULER_CLOCK = Symbol('SCHEDULER_CLOCK');
