// WakeNode, SleepNode and PowerOffNode, carried out. Each command is claimed once by its envelope id (inbox +
// actions row in one statement), then answered as soon as it is admitted or refused; the action itself
// carries on in the background and reports every step as an event through the outbox (node-waking per
// attempt, then node-woke or node-wake-failed; node-sleeping, then node-slept or node-sleep-failed), caused
// by the command.
import {
  causedBy,
  type CommandOutcome,
  type Node,
  NodeSleeping,
  NodeSleepFailed,
  NodeSlept,
  NodeWakeFailed,
  NodeWaking,
  NodeWoke,
  PowerActionRefused,
} from '@somnus/contracts';
import type { Clock } from '@somnus/runtime';
import type { Transactions } from '@somnus/persistence';
import type { NodeActionLocks } from '../actuation/recent-commands';
import type { SleepNodeUseCase, SleepResult } from '../actuation/sleep-node.use-case';
import type { WakeNodeUseCase, WakeResult } from '../actuation/wake-node.use-case';
import { type PowerAction, PowerDriverError } from '../drivers/power-driver.port';
import type { SleepReadiness } from '../preflight/check-sleep-readiness.use-case';
import { PowerActionJournal, type PowerStateWriter } from './power-action-journal';
import type { PowerActionRepository, PowerCommandEnvelope } from './power-action.repository';

export type PowerCommandOutcome = CommandOutcome<{ nodeId: string; accepted: boolean }>;
type Admission = { admitted: true } | { admitted: false; reason: string };
type Admit = (admission: Admission) => void;

export interface CarryOutPowerActionDeps {
  readonly nodes: { get(nodeId: string): Node | undefined };
  readonly actions: PowerActionRepository;
  readonly transactions: Transactions;
  readonly states: PowerStateWriter;
  readonly wake: Pick<WakeNodeUseCase, 'execute'>;
  readonly sleep: Pick<SleepNodeUseCase, 'execute'>;
  readonly locks: Pick<NodeActionLocks, 'holder'>;
  readonly readiness: { execute(node: Node, action: 'sleep' | 'power-off', commandId: string): Promise<SleepReadiness> };
  readonly clock: Clock;
  readonly log: { error(message: string): void };
}

export class CarryOutPowerActionUseCase {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly deps: CarryOutPowerActionDeps) {}

  /** `consumer` is the durable consumer's name: the inbox key of a command that names no known node. */
  async execute(action: PowerAction, envelope: PowerCommandEnvelope, consumer: string): Promise<PowerCommandOutcome> {
    const node = this.deps.nodes.get(envelope.data.nodeId);
    if (!node) return this.notFound(consumer, action, envelope);

    if (!(await this.deps.actions.claim(consumer, envelope, action))) return this.answerAgain(envelope);

    // A node busy with another action is refused by the use case with the holder's name: no check needed.
    if (action !== 'wake' && !this.deps.locks.holder(node.id)) {
      const readiness = await this.deps.readiness.execute(node, action, envelope.id);
      if (!readiness.ready) return this.refuse(envelope, node, action, readiness.reason);
    }

    let admit: Admit = () => undefined;
    const admission = new Promise<Admission>((resolve) => (admit = resolve));
    const joining = this.deps.locks.holder(node.id)?.action === action;
    if (joining) admit({ admitted: true });
    const work = this.carryOut(node, action, envelope, admit, joining);
    this.track(work);
    // Whatever happens, the caller gets an answer: a crash of the action counts as having started it.
    void work.finally(() => admit({ admitted: true }));

    const verdict = await admission;
    if (!verdict.admitted) return this.refuse(envelope, node, action, verdict.reason);
    return { ok: true, result: { nodeId: node.id, accepted: true } };
  }

  /** Resolves when the actions running in the background have ended (tests and shutdown wait for them). */
  async settled(): Promise<void> {
    for (let round = 0; round < 100 && this.running.size > 0; round++) await Promise.allSettled([...this.running]);
  }

  private async carryOut(node: Node, action: PowerAction, envelope: PowerCommandEnvelope, admit: Admit, joining: boolean): Promise<void> {
    const journal = new PowerActionJournal(
      { ...this.deps, onWriteFailed: (error) => this.deps.log.error(`${action} of ${node.name}: an event could not be written: ${String(error)}`) },
      node,
      envelope,
    );
    let result: WakeResult | SleepResult | undefined;
    try {
      result = action === 'wake' ? await this.wakeNode(node, envelope, journal, admit) : await this.sleepNode(node, action, envelope, journal, admit);
    } catch (error) {
      // The use cases do not throw for expected failures; if one did, the node must not be left half-way.
      const reason = `${action} stopped by an internal error: ${error instanceof Error ? error.message : String(error)}`;
      const state = { state: 'unknown' as const, why: reason };
      if (action === 'wake') {
        await journal.finish({ outcome: 'wake-failed', detail: reason, driver: null, attempts: 0 }, state, { definition: NodeWakeFailed, data: { nodeId: node.id, driver: 'unknown', reason } });
      } else {
        await journal.finish({ outcome: 'sleep-failed', detail: reason, driver: null, attempts: 1 }, state, { definition: NodeSleepFailed, data: { nodeId: node.id, driver: 'unknown', reason } });
      }
    }
    if (result && (joining || result.duplicate) && result.outcome !== 'refused') {
      // This command joined an action already under way: its row gets that action's outcome; the events were emitted once.
      const attempts = 'attempts' in result ? result.attempts : 1;
      await journal.finish({ outcome: result.outcome, detail: `joined command ${result.commandId}: ${result.reason}`, driver: result.driver, attempts }, undefined);
    }
    await journal.drained();
  }

  private wakeNode(node: Node, envelope: PowerCommandEnvelope, journal: PowerActionJournal, admit: Admit): Promise<WakeResult> {
    let previousFailure: string | undefined;
    return this.deps.wake.execute(
      { commandId: envelope.id, node },
      {
        attemptStarted: ({ attempt, maxAttempts, driver }) => {
          admit({ admitted: true });
          const detail = attempt === 1 ? `attempt 1 of ${maxAttempts}` : `attempt ${attempt} of ${maxAttempts}; previous: ${previousFailure ?? 'not verified'}`;
          // Not awaited: the magic packet leaves while the event is written; the journal keeps the order.
          void journal.emit(NodeWaking, { nodeId: node.id, driver, attempt, detail }, attempt === 1 ? { state: 'waking', why: `wake attempt ${attempt} sent` } : undefined);
        },
        attemptFailed: ({ reason }) => {
          previousFailure = reason;
        },
        woke: ({ driver, attempt, detail, verifiedBy, elapsedMs }) => {
          const verified = `verified by ${verifiedBy.join(', ')}`;
          return journal.finish(
            { outcome: 'woke', detail: `${verified}; ${detail}`, driver, attempts: attempt },
            { state: 'on', why: `woke: ${verified}` },
            { definition: NodeWoke, data: { nodeId: node.id, driver, attempt, detail, verifiedBy: [...verifiedBy], seconds: elapsedMs / 1000 } },
          );
        },
        wakeFailed: ({ driver, attempt, reason, errorCode }) =>
          journal.finish(
            { outcome: 'wake-failed', detail: reason, driver, attempts: attempt },
            { state: 'unknown', why: `wake failed: ${reason}` },
            { definition: NodeWakeFailed, data: { nodeId: node.id, driver, attempt, reason, detail: errorCode ?? undefined } },
          ),
        refused: ({ reason }) => admit({ admitted: false, reason }),
      },
    );
  }

  private sleepNode(node: Node, action: 'sleep' | 'power-off', envelope: PowerCommandEnvelope, journal: PowerActionJournal, admit: Admit): Promise<SleepResult> {
    return this.deps.sleep.execute(
      { commandId: envelope.id, node, action },
      {
        sleeping: ({ driver }) => {
          admit({ admitted: true });
          void journal.emit(NodeSleeping, { nodeId: node.id, driver, detail: action === 'power-off' ? 'power-off' : 'suspend' }, { state: 'suspending', why: `${action} sent` });
        },
        slept: ({ driver, detail }) =>
          journal.finish(
            { outcome: 'slept', detail, driver, attempts: 1 },
            { state: 'off', why: `${action} verified: the node stopped answering` },
            { definition: NodeSlept, data: { nodeId: node.id, driver, detail } },
          ),
        sleepFailed: ({ driver, reason, errorCode, error }) =>
          journal.finish(
            { outcome: 'sleep-failed', detail: reason, driver, attempts: 1 },
            // Still answering, or stopped before anything was sent: it is on. Anything else (the session broke
            // mid-way): we cannot tell.
            { state: errorCode === 'still-awake' || leftTheNodeAlone(error) ? 'on' : 'unknown', why: `${action} failed: ${reason}` },
            { definition: NodeSleepFailed, data: { nodeId: node.id, driver, reason, detail: errorCode ?? undefined } },
          ),
        refused: ({ reason }) => admit({ admitted: false, reason }),
      },
    );
  }

  private async refuse(envelope: PowerCommandEnvelope, node: Node, action: PowerAction, reason: string): Promise<PowerCommandOutcome> {
    await this.deps.transactions.transact(async (tx) => {
      await this.deps.actions.finish(tx, envelope.id, 'refused', reason, null, 0);
      await tx.emit(PowerActionRefused, { nodeId: node.id, action, reason }, { cause: causedBy(envelope), subject: node.id });
    });
    return { ok: false, code: 'refused', reason };
  }

  private async notFound(consumer: string, action: PowerAction, envelope: PowerCommandEnvelope): Promise<PowerCommandOutcome> {
    const { nodeId } = envelope.data;
    const reason = `no node with id ${nodeId} in the catalogue: add it to the inventory first`;
    const outcome = await this.deps.transactions.transact(
      async (tx) => {
        await this.deps.actions.recordNotFound(tx, envelope, action, reason);
        await tx.emit(PowerActionRefused, { nodeId, action, reason }, { cause: causedBy(envelope), subject: nodeId });
      },
      { consumer, messageId: envelope.id },
    );
    if (outcome.duplicate) return this.answerAgain(envelope);
    return { ok: false, code: 'not-found', reason };
  }

  /** A command id seen before: the same answer as the first time, and nothing done again. */
  private async answerAgain(envelope: PowerCommandEnvelope): Promise<PowerCommandOutcome> {
    const recorded = await this.deps.actions.find(envelope.id);
    if (recorded?.outcome === 'not-found') return { ok: false, code: 'not-found', reason: recorded.detail ?? 'no such node' };
    if (recorded?.outcome === 'refused') return { ok: false, code: 'refused', reason: recorded.detail ?? 'refused' };
    return { ok: true, result: { nodeId: envelope.data.nodeId, accepted: true } };
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.deps.log.error(`power action failed unexpectedly: ${String(error)}`));
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }
}

/** A failure found before anything was sent, that no retry can fix (a refused login, a changed host key). */
function leftTheNodeAlone(error: Error | undefined): boolean {
  return error instanceof PowerDriverError && !error.retryable;
}
