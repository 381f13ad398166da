// What a power command leaves behind while it runs: the node's power state, the command's row and the events,
// each step in one transaction, and the steps in the order they happened (so node-waking never reaches the
// outbox after node-woke). A step that cannot be written is retried briefly, then reported; it never stops
// the action itself, so a node is never left half-way because a write failed.
import { causedBy, type MessageDefinition, type Node, type Payload, type PowerState } from '@somnus/contracts';
import type { Clock } from '@somnus/runtime';
import type { Transactions, Tx } from '@somnus/persistence';
import type { PowerActionOutcome } from '../persistence/power-action.entity';
import type { PowerActionRepository, PowerCommandEnvelope } from './power-action.repository';

/** Where the journal writes a node's power state (the power-state book, in the caller's transaction). */
export interface PowerStateWriter {
  set(manager: Tx['manager'], nodeId: string, state: PowerState, reason: string, commandId: string | null, at: Date): Promise<void>;
}

export interface PowerActionJournalDeps {
  readonly transactions: Transactions;
  readonly actions: Pick<PowerActionRepository, 'finish'>;
  readonly states: PowerStateWriter;
  readonly clock: Clock;
  readonly onWriteFailed: (error: unknown) => void;
}

/** The outcome a command's row ends with, and how it got there. */
export interface ActionFinish {
  readonly outcome: PowerActionOutcome;
  readonly detail: string;
  readonly driver: string | null;
  readonly attempts: number;
}

const WRITE_ATTEMPTS = 3;

export class PowerActionJournal {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: PowerActionJournalDeps,
    private readonly node: Node,
    private readonly envelope: PowerCommandEnvelope,
  ) {}

  /** An event of the command, with the node's new power state when it has one. */
  emit<M extends MessageDefinition>(definition: M, data: Payload<M>, state?: { readonly state: PowerState; readonly why: string }): Promise<void> {
    return this.step(async (tx) => {
      if (state) await this.setState(tx, state.state, state.why);
      await tx.emit(definition, data, { cause: causedBy(this.envelope), subject: this.node.id });
    });
  }

  /** The command's last step: its row's outcome, the node's power state, and the event that says so. */
  finish<M extends MessageDefinition>(finish: ActionFinish, state: { readonly state: PowerState; readonly why: string } | undefined, event?: { readonly definition: M; readonly data: Payload<M> }): Promise<void> {
    return this.step(async (tx) => {
      if (state) await this.setState(tx, state.state, state.why);
      await this.deps.actions.finish(tx, this.envelope.id, finish.outcome, finish.detail, finish.driver, finish.attempts);
      if (event) await tx.emit(event.definition, event.data, { cause: causedBy(this.envelope), subject: this.node.id });
    });
  }

  /** Resolves when every step so far is written (or reported as failed). */
  drained(): Promise<void> {
    return this.chain;
  }

  private setState(tx: Tx, state: PowerState, why: string): Promise<void> {
    return this.deps.states.set(tx.manager, this.node.id, state, why, this.envelope.id, new Date(this.deps.clock.now()));
  }

  private step(work: (tx: Tx) => Promise<void>): Promise<void> {
    const next = this.chain.then(() => this.withRetries(() => this.deps.transactions.transact(work).then(() => undefined)));
    this.chain = next.catch((error: unknown) => this.deps.onWriteFailed(error));
    return this.chain;
  }

  private async withRetries(work: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= WRITE_ATTEMPTS) throw error;
        await this.deps.clock.sleep(100 * attempt);
      }
    }
  }
}
