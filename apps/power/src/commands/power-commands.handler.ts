import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  causedBy,
  CommandOutcome,
  Envelope,
  MessageDefinition,
  Node,
  NodeSleeping,
  NodeSleepFailed,
  NodeSlept,
  NodeWakeFailed,
  NodeWaking,
  NodeWoke,
  Payload,
  PowerActionRefused,
  PowerOffNode,
  PowerState,
  SleepNode,
  WakeNode,
} from '@somnus/contracts';
import { Delivery, durableName, OnMessage } from '@somnus/bus';
import { ServiceStore } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import type { PowerAction } from '../drivers/power-driver.port';
import { PowerDriverError } from '../drivers/power-driver.port';
import type { SleepResult } from '../actuation/sleep-node.use-case';
import type { WakeResult } from '../actuation/wake-node.use-case';
import { POWER_ACTUATION, PowerActuation } from '../power-actuation';
import { NodeDirectory } from '../nodes/node-directory';
import { PowerStateBook } from '../nodes/power-state-book';
import { PowerActionRepository, SerialWrites } from './power-action.repository';

type Accepted = { nodeId: string; accepted: boolean };
type ActionOutcome = CommandOutcome<Accepted>;
type ActionEnvelope = Envelope<{ nodeId: string; reason: string }>;
type Admission = { admitted: true } | { admitted: false; reason: string };

/** Errors found before anything is sent that no retry can fix: the action is refused, not failed. */
const REFUSING_SSH_ERRORS = new Set(['host-key-mismatch', 'ssh-key-not-found', 'ssh-key-invalid', 'ssh-auth-failed', 'ssh-not-configured']);

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * WakeNode, SleepNode and PowerOffNode. Each command is claimed once by its envelope id (inbox + actions row
 * in one statement), then answered as soon as it is admitted or refused; the action itself carries on in
 * the background and reports every step as an event through the outbox (node-waking per attempt, then
 * node-woke or node-wake-failed; node-sleeping, then node-slept or node-sleep-failed), caused by the command.
 */
@Injectable()
export class PowerCommandsHandler implements OnApplicationShutdown {
  private readonly logger = new Logger('power:commands');
  private readonly actions: PowerActionRepository;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    @Inject(SERVICE_STORE) private readonly store: ServiceStore,
    @Inject(POWER_ACTUATION) private readonly actuation: PowerActuation,
    private readonly directory: NodeDirectory,
    private readonly states: PowerStateBook,
  ) {
    this.actions = new PowerActionRepository(store.dataSource);
  }

  @OnMessage(WakeNode)
  async wakeNode({ envelope }: Delivery<Payload<typeof WakeNode>>): Promise<ActionOutcome> {
    return this.handle(WakeNode, 'wake', envelope);
  }

  @OnMessage(SleepNode)
  async sleepNode({ envelope }: Delivery<Payload<typeof SleepNode>>): Promise<ActionOutcome> {
    return this.handle(SleepNode, 'sleep', envelope);
  }

  @OnMessage(PowerOffNode)
  async powerOffNode({ envelope }: Delivery<Payload<typeof PowerOffNode>>): Promise<ActionOutcome> {
    return this.handle(PowerOffNode, 'power-off', envelope);
  }

  /** Actions still running in the background (tests and shutdown wait for them). */
  async settled(): Promise<void> {
    for (let round = 0; round < 100 && this.running.size > 0; round++) await Promise.allSettled([...this.running]);
  }

  async onApplicationShutdown(): Promise<void> {
    // Long wakes are not waited for (their verification can take minutes); their writes are cut short.
    await Promise.race([this.settled(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
  }

  private async handle(definition: MessageDefinition<'command'>, action: PowerAction, envelope: ActionEnvelope): Promise<ActionOutcome> {
    const consumer = durableName('power', definition);
    const { nodeId } = envelope.data;
    const node = this.directory.get(nodeId);
    if (!node) return this.notFound(consumer, action, envelope);

    if (!(await this.actions.claim(consumer, envelope, action))) return this.answerAgain(envelope);

    if (action !== 'wake') {
      const preflight = await this.sleepPreflight(node, action);
      if (preflight) return this.refuse(envelope, node, action, preflight);
    }

    const admission = deferred<Admission>();
    const joining = this.actuation.locks.holder(node.id)?.action === action;
    if (joining) admission.resolve({ admitted: true });
    const work = action === 'wake' ? this.runWake(node, envelope, admission.resolve, joining) : this.runSleep(node, action, envelope, admission.resolve, joining);
    this.track(work);
    // Whatever happens, the caller gets an answer: a crash of the action counts as having started it.
    void work.finally(() => admission.resolve({ admitted: true }));

    const verdict = await admission.promise;
    if (!verdict.admitted) return this.refuse(envelope, node, action, verdict.reason);
    return { ok: true, result: { nodeId: node.id, accepted: true } };
  }

  private async runWake(node: Node, envelope: ActionEnvelope, admit: (a: Admission) => void, joining: boolean): Promise<void> {
    const cause = causedBy(envelope);
    const writes = new SerialWrites((error) => this.logger.error(`wake of ${node.name}: an event could not be written: ${String(error)}`));
    let previousFailure: string | undefined;
    let result: WakeResult | undefined;
    try {
      result = await this.actuation.wake.execute(
        { commandId: envelope.id, node },
        {
          attemptStarted: (event) => {
            admit({ admitted: true });
            const detail = event.attempt === 1 ? `attempt 1 of ${event.maxAttempts}` : `attempt ${event.attempt} of ${event.maxAttempts}; previous: ${previousFailure ?? 'not verified'}`;
            // Not awaited: the magic packet leaves while the event is written; the chain keeps the order.
            void writes.write(() =>
              this.record(node, event.attempt === 1 ? 'waking' : undefined, `wake attempt ${event.attempt} sent`, envelope.id, async (tx) => {
                await tx.emit(NodeWaking, { nodeId: node.id, driver: event.driver, attempt: event.attempt, detail }, { cause, subject: node.id });
              }),
            );
          },
          attemptFailed: (event) => {
            previousFailure = event.reason;
          },
          woke: (event) =>
            writes.write(() =>
              this.record(node, 'on', `woke: verified by ${event.verifiedBy.join(', ')}`, envelope.id, async (tx) => {
                await this.actions.finish(tx.manager, envelope.id, 'woke', `verified by ${event.verifiedBy.join(', ')}; ${event.detail}`, event.driver, event.attempt);
                await tx.emit(
                  NodeWoke,
                  { nodeId: node.id, driver: event.driver, attempt: event.attempt, detail: event.detail, verifiedBy: [...event.verifiedBy], seconds: event.elapsedMs / 1000 },
                  { cause, subject: node.id },
                );
              }),
            ),
          wakeFailed: (event) =>
            writes.write(() =>
              this.record(node, 'unknown', `wake failed: ${event.reason}`, envelope.id, async (tx) => {
                await this.actions.finish(tx.manager, envelope.id, 'wake-failed', event.reason, event.driver, event.attempt);
                await tx.emit(NodeWakeFailed, { nodeId: node.id, driver: event.driver, attempt: event.attempt, reason: event.reason, detail: event.errorCode ?? undefined }, { cause, subject: node.id });
              }),
            ),
          refused: (event) => admit({ admitted: false, reason: event.reason }),
        },
      );
    } catch (error) {
      // The use-case does not throw for expected failures; if it did, the node must not be left waking.
      const reason = `wake stopped by an internal error: ${error instanceof Error ? error.message : String(error)}`;
      await writes.write(() =>
        this.record(node, 'unknown', reason, envelope.id, async (tx) => {
          await this.actions.finish(tx.manager, envelope.id, 'wake-failed', reason, null, 0);
          await tx.emit(NodeWakeFailed, { nodeId: node.id, driver: 'unknown', reason }, { cause, subject: node.id });
        }),
      );
    }
    if (result && (joining || result.duplicate) && result.outcome !== 'refused') {
      // This command joined a wake already under way: its row gets that wake's outcome, its events were emitted once.
      const outcome = result.outcome;
      await writes.write(() => this.store.transact((tx) => this.actions.finish(tx.manager, envelope.id, outcome, `joined command ${result!.commandId}: ${result!.reason}`, result!.driver, result!.attempts)).then(() => undefined));
    }
    await writes.drained();
  }

  private async runSleep(node: Node, action: 'sleep' | 'power-off', envelope: ActionEnvelope, admit: (a: Admission) => void, joining: boolean): Promise<void> {
    const cause = causedBy(envelope);
    const writes = new SerialWrites((error) => this.logger.error(`${action} of ${node.name}: an event could not be written: ${String(error)}`));
    let result: SleepResult | undefined;
    try {
      result = await this.actuation.sleep.execute(
        { commandId: envelope.id, node, action },
        {
          sleeping: (event) => {
            admit({ admitted: true });
            void writes.write(() =>
              this.record(node, 'suspending', `${action} sent`, envelope.id, async (tx) => {
                await tx.emit(NodeSleeping, { nodeId: node.id, driver: event.driver, detail: action === 'power-off' ? 'power-off' : 'suspend' }, { cause, subject: node.id });
              }),
            );
          },
          slept: (event) =>
            writes.write(() =>
              this.record(node, 'off', `${action} verified: the node stopped answering`, envelope.id, async (tx) => {
                await this.actions.finish(tx.manager, envelope.id, 'slept', event.detail, event.driver, 1);
                await tx.emit(NodeSlept, { nodeId: node.id, driver: event.driver, detail: event.detail }, { cause, subject: node.id });
              }),
            ),
          sleepFailed: (event) =>
            writes.write(() =>
              // Still answering: it is on. Anything else (the session broke mid-way): we cannot tell.
              this.record(node, event.errorCode === 'still-awake' || isRefusingError(event.errorCode) ? 'on' : 'unknown', `${action} failed: ${event.reason}`, envelope.id, async (tx) => {
                await this.actions.finish(tx.manager, envelope.id, 'sleep-failed', event.reason, event.driver, 1);
                await tx.emit(NodeSleepFailed, { nodeId: node.id, driver: event.driver, reason: event.reason, detail: event.errorCode ?? undefined }, { cause, subject: node.id });
              }),
            ),
          refused: (event) => admit({ admitted: false, reason: event.reason }),
        },
      );
    } catch (error) {
      const reason = `${action} stopped by an internal error: ${error instanceof Error ? error.message : String(error)}`;
      await writes.write(() =>
        this.record(node, 'unknown', reason, envelope.id, async (tx) => {
          await this.actions.finish(tx.manager, envelope.id, 'sleep-failed', reason, null, 1);
          await tx.emit(NodeSleepFailed, { nodeId: node.id, driver: 'unknown', reason }, { cause, subject: node.id });
        }),
      );
    }
    if (result && (joining || result.duplicate) && result.outcome !== 'refused') {
      const outcome = result.outcome;
      await writes.write(() => this.store.transact((tx) => this.actions.finish(tx.manager, envelope.id, outcome, `joined command ${result!.commandId}: ${result!.reason}`, result!.driver, 1)).then(() => undefined));
    }
    await writes.drained();
  }

  /**
   * Before a sleep takes a suspend slot: the node's SSH endpoint must present the pinned host key and accept
   * our key. A changed or unknown host key, a missing key or a refused login is a refusal with its reason
   * (nothing is run on the node); an unreachable node is left to the action, which reports it as failed.
   */
  private async sleepPreflight(node: Node, action: 'sleep' | 'power-off'): Promise<string | undefined> {
    if (this.actuation.locks.holder(node.id)) return undefined; // busy: the use-case refuses with the holder's name
    const resolved = this.actuation.drivers.resolve(action, node);
    if (!resolved.ok || resolved.driver.name !== 'ssh') return undefined;
    try {
      await this.actuation.ssh.verifyHandshake(node);
      return undefined;
    } catch (error) {
      if (error instanceof PowerDriverError && REFUSING_SSH_ERRORS.has(error.code)) return error.message;
      return undefined;
    }
  }

  /** One transaction: the node's new power state (if any), then the events `work` emits. Committed at once. */
  private async record(
    node: Node,
    state: PowerState | undefined,
    why: string,
    commandId: string,
    work: (tx: Parameters<Parameters<ServiceStore['transact']>[0]>[0]) => Promise<void>,
  ): Promise<void> {
    await this.store.transact(async (tx) => {
      if (state) await this.states.set(tx.manager, node.id, state, why, commandId, new Date(this.actuation.clock.now()));
      await work(tx);
    });
  }

  private async refuse(envelope: ActionEnvelope, node: Node, action: PowerAction, reason: string): Promise<ActionOutcome> {
    await this.store.transact(async (tx) => {
      await this.actions.finish(tx.manager, envelope.id, 'refused', reason, null, 0);
      await tx.emit(PowerActionRefused, { nodeId: node.id, action, reason }, { cause: causedBy(envelope), subject: node.id });
    });
    return { ok: false, code: 'refused', reason };
  }

  private async notFound(consumer: string, action: PowerAction, envelope: ActionEnvelope): Promise<ActionOutcome> {
    const { nodeId } = envelope.data;
    const reason = `no node with id ${nodeId} in the catalogue: add it to the inventory first`;
    const outcome = await this.store.transact(
      async (tx) => {
        await tx.manager.query(
          `INSERT INTO power.actions (command_id, node_id, action, actor, correlation_id, reason, outcome, detail, attempts, requested_at, finished_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'not-found', $7, 0, now(), now()) ON CONFLICT (command_id) DO NOTHING`,
          [envelope.id, nodeId, action, envelope.actor, envelope.correlationId, envelope.data.reason, reason],
        );
        await tx.emit(PowerActionRefused, { nodeId, action, reason }, { cause: causedBy(envelope), subject: nodeId });
      },
      { consumer, messageId: envelope.id },
    );
    if (outcome.duplicate) return this.answerAgain(envelope);
    return { ok: false, code: 'not-found', reason };
  }

  /** A command id seen before: the same answer as the first time, and nothing done again. */
  private async answerAgain(envelope: ActionEnvelope): Promise<ActionOutcome> {
    const recorded = await this.actions.find(envelope.id);
    if (recorded?.outcome === 'not-found') return { ok: false, code: 'not-found', reason: recorded.detail ?? 'no such node' };
    if (recorded?.outcome === 'refused') return { ok: false, code: 'refused', reason: recorded.detail ?? 'refused' };
    return { ok: true, result: { nodeId: envelope.data.nodeId, accepted: true } };
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.logger.error(`power action failed unexpectedly: ${String(error)}`));
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
  }
}

function isRefusingError(code: string | null): boolean {
  return code !== null && REFUSING_SSH_ERRORS.has(code);
}
