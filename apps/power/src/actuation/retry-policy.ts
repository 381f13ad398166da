// Exponential backoff without jitter: the same failures always give the same schedule, so a wake's retry
// plan can be stated in an event and replayed exactly. Wakes are spread out by the rate limiter, not jitter.

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  /** Wait before the second attempt. */
  readonly baseDelayMs: number;
  /** Each further wait is the previous one times this. */
  readonly factor: number;
  /** No wait is longer than this. */
  readonly maxDelayMs: number;
}

/** Three tries, 5 s then 10 s apart: with a 3-minute verification each, a dead node is given up on in ~10 min. */
export const DEFAULT_WAKE_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 5_000, factor: 2, maxDelayMs: 60_000 };

export function validateRetryPolicy(policy: RetryPolicy): RetryPolicy {
  const problems: string[] = [];
  if (!Number.isInteger(policy.maxAttempts) || policy.maxAttempts < 1 || policy.maxAttempts > 100) problems.push('maxAttempts must be a whole number from 1 to 100');
  if (!Number.isFinite(policy.baseDelayMs) || policy.baseDelayMs < 0) problems.push('baseDelayMs must be 0 or more');
  if (!Number.isFinite(policy.factor) || policy.factor < 1) problems.push('factor must be 1 or more');
  if (!Number.isFinite(policy.maxDelayMs) || policy.maxDelayMs < policy.baseDelayMs) problems.push('maxDelayMs must be at least baseDelayMs');
  if (problems.length) throw new Error(`invalid retry policy: ${problems.join('; ')}`);
  return policy;
}

/** The wait before `attempt` (2 for the first retry). 0 for the first attempt. */
export function delayBeforeAttempt(policy: RetryPolicy, attempt: number): number {
  if (attempt <= 1) return 0;
  return Math.min(policy.maxDelayMs, Math.round(policy.baseDelayMs * policy.factor ** (attempt - 2)));
}

/** After `failedAttempts` failures: try again after a delay, or stop. */
export function nextRetry(policy: RetryPolicy, failedAttempts: number): { retry: true; attempt: number; delayMs: number } | { retry: false } {
  if (failedAttempts >= policy.maxAttempts) return { retry: false };
  const attempt = failedAttempts + 1;
  return { retry: true, attempt, delayMs: delayBeforeAttempt(policy, attempt) };
}

/** Every wait in order, e.g. [5000, 10000] for the default: what a retry plan tells an operator. */
export function retrySchedule(policy: RetryPolicy): number[] {
  return Array.from({ length: policy.maxAttempts - 1 }, (_, i) => delayBeforeAttempt(policy, i + 2));
}
