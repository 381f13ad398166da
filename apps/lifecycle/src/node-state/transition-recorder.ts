import { Cause, DrainRejected, LifecycleState, NodeTransitioned, PowerState, TransitionRejected } from '@somnus/contracts';
import { applyTransition } from '@somnus/domain';
import type { Tx } from '@somnus/persistence';
import type { NodeStateEntity } from '../persistence/node-state.entity';
import { type NodeStatesRepository, SqlNodeStatesRepository } from './node-states.repository';

export type MoveResult = { ok: true } | { ok: false; reason: string };

export interface MoveInit {
  cause: Cause;
  reason: string;
  at: Date;
  powerState?: PowerState;
}

/**
 * Every state change of a node goes through here, inside the caller's transaction: the domain's table
 * decides; an applied move updates the node, adds to its history and emits `NodeTransitioned`; a rejected
 * one leaves the node as it was, adds the rejection to its history and emits `TransitionRejected`.
 */
export class TransitionRecorder {
  constructor(private readonly nodes: Pick<NodeStatesRepository, 'save' | 'record'>) {}

  async move(tx: Tx, entity: NodeStateEntity, to: LifecycleState, init: MoveInit): Promise<MoveResult> {
    const from = entity.state;
    const result = applyTransition(from, to, { actor: init.cause.actor, reason: init.reason, at: init.at });
    const common = { nodeId: entity.id, actor: init.cause.actor, correlationId: init.cause.correlationId, at: init.at };
    if (!result.ok) {
      await this.nodes.record(tx, { ...common, kind: 'rejected', from, to: from, cause: null, reason: result.reason });
      await tx.emit(TransitionRejected, { nodeId: entity.id, from, to, reason: result.reason }, { cause: init.cause, subject: entity.id });
      return { ok: false, reason: result.reason };
    }
    entity.state = result.record.to;
    entity.since = init.at;
    if (init.powerState) entity.powerState = init.powerState;
    if (result.record.trigger === 'wake-verified') entity.wokeAt = init.at;
    await this.nodes.save(tx, entity);
    await this.nodes.record(tx, { ...common, kind: 'transition', from, to: result.record.to, cause: result.record.trigger, reason: init.reason });
    await tx.emit(NodeTransitioned, { nodeId: entity.id, from, to: result.record.to, reason: init.reason }, { cause: init.cause, subject: entity.id });
    return { ok: true };
  }

  /** A safety check refused a drain: the event, and the refusal in the node's history (state unchanged). */
  async refuseDrain(tx: Tx, entity: NodeStateEntity, refusal: { check: string; reason: string }, init: { cause: Cause; at: Date }): Promise<void> {
    const reason = `drain refused (${refusal.check}): ${refusal.reason}`;
    await this.nodes.record(tx, {
      nodeId: entity.id,
      kind: 'refused',
      from: entity.state,
      to: entity.state,
      cause: refusal.check,
      reason,
      actor: init.cause.actor,
      correlationId: init.cause.correlationId,
      at: init.at,
    });
    await tx.emit(DrainRejected, { nodeId: entity.id, check: refusal.check, reason: refusal.reason }, { cause: init.cause, subject: entity.id });
  }
}

/** A move on the SQL tables of `tx`, for code that is not given a recorder. */
export function moveNode(tx: Tx, entity: NodeStateEntity, to: LifecycleState, init: MoveInit): Promise<MoveResult> {
  return new TransitionRecorder(new SqlNodeStatesRepository(tx.manager)).move(tx, entity, to, init);
}
