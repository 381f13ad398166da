// Put a node to sleep (or power it off): the suspend rate, the node's sleep driver (which runs the pre-sleep
// hooks first and stops if one fails), then verification that the node stopped answering. One attempt: a
// failed sleep leaves the node awake, which is safe, and the scheduler decides again with fresh facts.
import type { Node } from '@somnus/contracts';
import { PowerDriverRegistry } from '../drivers/power-driver.port';
import { Clock } from '@somnus/runtime';
import { NodeActionLocks, RecentCommands } from './recent-commands';
import { ObserverErrorHandler, PowerRefusal, notify } from './power-observer';
import { PowerRateLimits } from './rate-limiter';
import { VerifiesSleep } from './sleep-verifier';

export interface SleepNodeCommand {
  readonly commandId: string;
  readonly node: Node;
  /** `sleep` follows the node's `driver.sleep` (suspend or power-off); `power-off` always powers off. */
  readonly action?: 'sleep' | 'power-off';
}

export type SleepOutcome = 'slept' | 'sleep-failed' | 'refused';

export interface SleepResult {
  readonly commandId: string;
  readonly nodeId: string;
  readonly nodeName: string;
  readonly action: 'sleep' | 'power-off';
  readonly outcome: SleepOutcome;
  readonly reason: string;
  readonly driver: string | null;
  readonly elapsedMs: number;
  readonly retryAtMs: number | null;
  readonly errorCode: string | null;
  readonly duplicate: boolean;
}

interface SleepEvent {
  readonly commandId: string;
  readonly node: Node;
  readonly action: 'sleep' | 'power-off';
  readonly driver: string;
}

export interface SleepObserver {
  /** The driver is about to act: `node-sleeping`. */
  sleeping?(event: SleepEvent): void | Promise<void>;
  /** Confirmed asleep or off: `node-slept`. */
  slept?(event: SleepEvent & { readonly detail: string; readonly elapsedMs: number }): void | Promise<void>;
  /** The node is still awake: `node-sleep-failed`. */
  sleepFailed?(event: SleepEvent & { readonly reason: string; readonly errorCode: string | null; readonly error?: Error }): void | Promise<void>;
  refused?(event: PowerRefusal): void | Promise<void>;
}

export interface SleepNodeDeps {
  readonly drivers: PowerDriverRegistry;
  readonly limits: PowerRateLimits;
  readonly verifier: VerifiesSleep;
  readonly clock: Clock;
  readonly recent?: RecentCommands<SleepResult>;
  readonly locks?: NodeActionLocks;
  readonly onObserverError?: ObserverErrorHandler;
}

export class SleepNodeUseCase {
  private readonly recent: RecentCommands<SleepResult>;
  private readonly locks: NodeActionLocks;

  constructor(private readonly deps: SleepNodeDeps) {
    this.recent = deps.recent ?? new RecentCommands<SleepResult>();
    this.locks = deps.locks ?? new NodeActionLocks();
  }

  async execute(command: SleepNodeCommand, observer: SleepObserver = {}): Promise<SleepResult> {
    const { duplicate, result } = this.recent.run(command.commandId, () => this.sleep(command, observer));
    const outcome = await result;
    return duplicate ? { ...outcome, duplicate: true } : outcome;
  }

  private async sleep(command: SleepNodeCommand, observer: SleepObserver): Promise<SleepResult> {
    const { node, commandId } = command;
    const action = command.action ?? 'sleep';
    const { clock, onObserverError } = this.deps;
    const started = clock.now();
    const result = (outcome: SleepOutcome, reason: string, extra: Partial<SleepResult> = {}): SleepResult => ({
      commandId,
      nodeId: node.id,
      nodeName: node.name,
      action,
      outcome,
      reason,
      driver: null,
      elapsedMs: clock.now() - started,
      retryAtMs: null,
      errorCode: null,
      duplicate: false,
      ...extra,
    });
    const refuse = async (reason: string, retryAtMs: number | null, errorCode: string, driver: string | null): Promise<SleepResult> => {
      await notify(observer.refused, { commandId, node, action, reason, retryAtMs }, 'refused', onObserverError);
      return result('refused', reason, { retryAtMs, errorCode, driver });
    };

    const lock = this.locks.tryLock(node.id, action, commandId);
    if (!lock.ok) {
      const running = lock.holder.action === action ? this.recent.get(lock.holder.commandId) : undefined;
      if (running) return { ...(running.state === 'in-flight' ? await running.result : running.result), duplicate: true };
      return refuse(`node ${node.name} is busy: ${lock.holder.action} in progress (command ${lock.holder.commandId})`, null, 'node-busy', null);
    }
    try {
      const resolved = this.deps.drivers.resolve(action, node);
      if (!resolved.ok) return await refuse(resolved.error.message, null, resolved.error.code, resolved.error.driverName);
      const driver = resolved.driver.name;

      const admission = this.deps.limits.tryAcquireSleep();
      if (!admission.ok) return await refuse(admission.reason, admission.retryAtMs, 'rate-limited', driver);

      const event: SleepEvent = { commandId, node, action, driver };
      await notify(observer.sleeping, event, 'sleeping', onObserverError);
      const sent = await this.deps.drivers.perform(action, node, { commandId, attempt: 1 });
      if (!sent.ok) {
        await notify(observer.sleepFailed, { ...event, reason: sent.reason, errorCode: sent.error.code, error: sent.error }, 'sleepFailed', onObserverError);
        return result('sleep-failed', sent.reason, { driver, errorCode: sent.error.code });
      }
      const verification = await this.deps.verifier.verify(node);
      if (!verification.asleep) {
        await notify(observer.sleepFailed, { ...event, reason: verification.reason, errorCode: 'still-awake' }, 'sleepFailed', onObserverError);
        return result('sleep-failed', verification.reason, { driver, errorCode: 'still-awake' });
      }
      const elapsedMs = clock.now() - started;
      await notify(observer.slept, { ...event, detail: sent.detail, elapsedMs }, 'slept', onObserverError);
      return result('slept', `${sent.detail}; stopped answering after ${Math.round(verification.elapsedMs / 1000)} s`, { driver });
    } finally {
      lock.unlock();
    }
  }
}
