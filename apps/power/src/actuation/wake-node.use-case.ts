// Wake a node: rate limits, the node's wake driver, then verification, retried with backoff until it is
// verified or the attempts run out. Every path ends in a terminal outcome and a terminal callback
// (woke, wakeFailed or refused): a node is never left "waking".
import type { Node } from '@somnus/contracts';
import { PowerDriverRegistry } from '../drivers/power-driver.port';
import { Clock } from '@somnus/runtime';
import { NodeActionLocks, RecentCommands } from './recent-commands';
import { ObserverErrorHandler, PowerRefusal, notify } from './power-observer';
import { PowerRateLimits } from './rate-limiter';
import { DEFAULT_WAKE_RETRY_POLICY, RetryPolicy, nextRetry, validateRetryPolicy } from './retry-policy';
import { VerificationStage, VerifiesWake } from './wake-verifier';

export interface WakeNodeCommand {
  /** The command envelope's id: a redelivery carries the same one and performs nothing new. */
  readonly commandId: string;
  readonly node: Node;
}

export type WakeOutcome = 'woke' | 'wake-failed' | 'refused';

export interface WakeResult {
  readonly commandId: string;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly outcome: WakeOutcome;
  /** Wake attempts made (0 when refused). */
  readonly attempts: number;
  readonly reason: string;
  readonly driver: string | null;
  readonly verifiedBy: readonly VerificationStage[];
  readonly elapsedMs: number;
  /** For a refusal: when it is worth asking again (null: unknown or never). */
  readonly retryAtMs: number | null;
  /** The stable code of the last error (`host-key-mismatch`, `driver-not-available`, ...), if any. */
  readonly errorCode: string | null;
  /** True when this command id (or a wake of the same node) was already being or had been carried out. */
  readonly duplicate: boolean;
}

export interface WakeAttempt {
  readonly commandId: string;
  readonly node: Node;
  readonly driver: string;
  readonly attempt: number;
  readonly maxAttempts: number;
}

export interface WakeObserver {
  /** An attempt is starting: the service emits `node-waking`. */
  attemptStarted?(event: WakeAttempt): void | Promise<void>;
  /** An attempt failed and another will follow after `retryInMs`. */
  attemptFailed?(event: WakeAttempt & { readonly reason: string; readonly errorCode: string | null; readonly retryInMs: number }): void | Promise<void>;
  /** Verified awake: `node-woke`. */
  woke?(event: WakeAttempt & { readonly verifiedBy: readonly VerificationStage[]; readonly elapsedMs: number; readonly detail: string }): void | Promise<void>;
  /** The last attempt failed (or a failure that retrying cannot fix): `node-wake-failed`. */
  wakeFailed?(event: WakeAttempt & { readonly reason: string; readonly errorCode: string | null; readonly error?: Error }): void | Promise<void>;
  /** Nothing was done: `action-refused`. */
  refused?(event: PowerRefusal): void | Promise<void>;
}

export interface WakeNodeDeps {
  readonly drivers: PowerDriverRegistry;
  readonly limits: PowerRateLimits;
  readonly verifier: VerifiesWake;
  readonly clock: Clock;
  readonly retryPolicy?: RetryPolicy;
  readonly recent?: RecentCommands<WakeResult>;
  /** Shared with the sleep use-case so a node is never woken and put to sleep at once. */
  readonly locks?: NodeActionLocks;
  readonly onObserverError?: ObserverErrorHandler;
}

export class WakeNodeUseCase {
  private readonly retryPolicy: RetryPolicy;
  private readonly recent: RecentCommands<WakeResult>;
  private readonly locks: NodeActionLocks;

  constructor(private readonly deps: WakeNodeDeps) {
    this.retryPolicy = validateRetryPolicy(deps.retryPolicy ?? DEFAULT_WAKE_RETRY_POLICY);
    this.recent = deps.recent ?? new RecentCommands<WakeResult>();
    this.locks = deps.locks ?? new NodeActionLocks();
  }

  async execute(command: WakeNodeCommand, observer: WakeObserver = {}): Promise<WakeResult> {
    const { duplicate, result } = this.recent.run(command.commandId, () => this.wake(command, observer));
    const outcome = await result;
    return duplicate ? { ...outcome, duplicate: true } : outcome;
  }

  private async wake(command: WakeNodeCommand, observer: WakeObserver): Promise<WakeResult> {
    const { node, commandId } = command;
    const { clock } = this.deps;
    const started = clock.now();
    const base = { commandId, nodeId: node.id, nodeName: node.name, verifiedBy: [] as VerificationStage[], errorCode: null, duplicate: false, retryAtMs: null };

    const refuse = async (reason: string, retryAtMs: number | null, errorCode: string | null, driver: string | null): Promise<WakeResult> => {
      await notify(observer.refused, { commandId, node, action: 'wake', reason, retryAtMs }, 'refused', this.deps.onObserverError);
      return { ...base, outcome: 'refused', attempts: 0, reason, driver, retryAtMs, errorCode, elapsedMs: clock.now() - started };
    };

    const lock = this.locks.tryLock(node.id, 'wake', commandId);
    if (!lock.ok) {
      const running = lock.holder.action === 'wake' ? this.recent.get(lock.holder.commandId) : undefined;
      // A second wake of a node already waking joins the first: one action, one result.
      if (running) return { ...(running.state === 'in-flight' ? await running.result : running.result), duplicate: true };
      return refuse(`node ${node.name} is busy: ${lock.holder.action} in progress (command ${lock.holder.commandId})`, null, 'node-busy', null);
    }
    try {
      // Resolve the driver before taking a rate slot: an impossible wake should not use up the resume rate.
      const resolved = this.deps.drivers.resolve('wake', node);
      if (!resolved.ok) return await refuse(resolved.error.message, null, resolved.error.code, resolved.error.driverName);
      const driver = resolved.driver.name;

      const slot = this.deps.limits.tryAcquireWake();
      if (!slot.ok) return await refuse(slot.reason, slot.retryAtMs, 'rate-limited', driver);
      try {
        return await this.attempts(command, observer, driver, started);
      } finally {
        slot.release();
      }
    } finally {
      lock.unlock();
    }
  }

  private async attempts(command: WakeNodeCommand, observer: WakeObserver, driver: string, started: number): Promise<WakeResult> {
    const { node, commandId } = command;
    const { clock, onObserverError } = this.deps;
    const maxAttempts = this.retryPolicy.maxAttempts;
    const result = (outcome: WakeOutcome, attempts: number, reason: string, extra: Partial<WakeResult> = {}): WakeResult => ({
      commandId,
      nodeId: node.id,
      nodeName: node.name,
      outcome,
      attempts,
      reason,
      driver,
      verifiedBy: [],
      elapsedMs: clock.now() - started,
      retryAtMs: null,
      errorCode: null,
      duplicate: false,
      ...extra,
    });

    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const event: WakeAttempt = { commandId, node, driver, attempt, maxAttempts };
      await notify(observer.attemptStarted, event, 'attemptStarted', onObserverError);

      let failure: { reason: string; errorCode: string | null; permanent: boolean; error?: Error };
      const sent = await this.deps.drivers.perform('wake', node, { commandId, attempt });
      if (!sent.ok) {
        failure = { reason: sent.reason, errorCode: sent.error.code, permanent: !sent.error.retryable, error: sent.error };
      } else {
        const verification = await this.deps.verifier.verify(node);
        if (verification.verified) {
          const elapsedMs = clock.now() - started;
          const tries = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
          const reason = `verified awake (${verification.verifiedBy.join(', ')}) after ${tries} in ${Math.round(elapsedMs / 1000)} s`;
          await notify(observer.woke, { ...event, verifiedBy: verification.verifiedBy, elapsedMs, detail: sent.detail }, 'woke', onObserverError);
          return result('woke', attempt, reason, { verifiedBy: verification.verifiedBy });
        }
        failure = { reason: verification.reason, errorCode: verification.error?.code ?? 'not-verified', permanent: verification.permanent, error: verification.error };
      }

      const next = failure.permanent ? { retry: false as const } : nextRetry(this.retryPolicy, attempt);
      if (!next.retry) {
        const why = failure.permanent ? 'not retried: trying again cannot fix this' : `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
        const reason = `${failure.reason}; ${why}`;
        await notify(observer.wakeFailed, { ...event, reason, errorCode: failure.errorCode, error: failure.error }, 'wakeFailed', onObserverError);
        return result('wake-failed', attempt, reason, { errorCode: failure.errorCode });
      }
      await notify(observer.attemptFailed, { ...event, reason: failure.reason, errorCode: failure.errorCode, retryInMs: next.delayMs }, 'attemptFailed', onObserverError);
      await clock.sleep(next.delayMs);
    }
    // Unreachable: the last attempt always returns above. Kept so the function is total.
    const reason = `gave up after ${maxAttempts} attempts`;
    await notify(observer.wakeFailed, { commandId, node, driver, attempt: maxAttempts, maxAttempts, reason, errorCode: null }, 'wakeFailed', onObserverError);
    return result('wake-failed', maxAttempts, reason);
  }
}
