import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  Cause,
  causedBy,
  CommandOutcome,
  CreateNode,
  DeleteNode,
  Envelope,
  GetNode,
  ListNodes,
  Node,
  NodeRemoved,
  NodeSpec,
  nodeSpecSchema,
  NodeUpserted,
  Payload,
  ReplyOf,
  UpdateNode,
  describeIssues,
} from '@somnus/contracts';
import { AnswerQuery, Delivery, durableName, OnMessage } from '@somnus/bus';
import { ServiceStore, Tx } from '@somnus/persistence';
import { SERVICE_STORE } from '@somnus/runtime';
import { NodeCatalogueRepository, toNode } from './node-catalogue.repository';

type NodeOutcome = CommandOutcome<Node>;

/**
 * The node catalogue's commands and queries. Each command runs in one transaction with its inbox entry and
 * its events, so a redelivered command changes nothing twice and an event is never lost or invented.
 */
@Injectable()
export class NodeCatalogueHandler {
  constructor(@Inject(SERVICE_STORE) private readonly store: ServiceStore) {}

  @OnMessage(CreateNode)
  async createNode({ envelope }: Delivery<Payload<typeof CreateNode>>): Promise<NodeOutcome> {
    return this.once(envelope, durableName('inventory', CreateNode), (tx) => this.create(tx, envelope.data, causedBy(envelope)));
  }

  @OnMessage(UpdateNode)
  async updateNode({ envelope }: Delivery<Payload<typeof UpdateNode>>): Promise<NodeOutcome> {
    return this.once(envelope, durableName('inventory', UpdateNode), async (tx) => {
      const { nodeId, patch, expectedVersion } = envelope.data;
      const repository = new NodeCatalogueRepository(tx.manager);
      const entity = await repository.findByIdOrName(nodeId);
      if (!entity) return { ok: false, code: 'not-found', reason: `no node with id ${nodeId}` };
      if (expectedVersion !== undefined && expectedVersion !== entity.version) {
        return { ok: false, code: 'conflict', reason: `node ${entity.name} is at version ${entity.version}, not ${expectedVersion}: read it again and retry` };
      }
      return this.replace(tx, entity.id, { ...entity.spec, ...patch }, causedBy(envelope));
    });
  }

  @OnMessage(DeleteNode)
  async deleteNode({ envelope }: Delivery<Payload<typeof DeleteNode>>): Promise<CommandOutcome<{ nodeId: string }>> {
    const outcome = await this.store.transact(
      async (tx): Promise<CommandOutcome<{ nodeId: string }>> => {
        const repository = new NodeCatalogueRepository(tx.manager);
        const entity = await repository.findByIdOrName(envelope.data.nodeId);
        if (!entity) return { ok: false, code: 'not-found', reason: `no node with id ${envelope.data.nodeId}` };
        await repository.remove(entity);
        await tx.emit(NodeRemoved, { nodeId: entity.id, name: entity.name }, { cause: causedBy(envelope), subject: entity.id });
        return { ok: true, result: { nodeId: entity.id } };
      },
      { consumer: durableName('inventory', DeleteNode), messageId: envelope.id },
    );
    return outcome.duplicate ? { ok: true, result: { nodeId: envelope.data.nodeId } } : outcome.result;
  }

  @AnswerQuery(ListNodes)
  async listNodes({ data }: Envelope<Payload<typeof ListNodes>>): Promise<ReplyOf<typeof ListNodes>> {
    const { items, total } = await new NodeCatalogueRepository(this.store.dataSource.manager).list(data);
    return { items: items.map(toNode), total };
  }

  @AnswerQuery(GetNode)
  async getNode({ data }: Envelope<Payload<typeof GetNode>>): Promise<ReplyOf<typeof GetNode>> {
    const entity = await new NodeCatalogueRepository(this.store.dataSource.manager).findByIdOrName(data.idOrName);
    return { node: entity ? toNode(entity) : null };
  }

  /**
   * Creates the node, or (for the static inventory file) replaces the spec of the node with that name.
   * Used by the command handler and by the file loader: one code path.
   */
  async upsertByName(spec: NodeSpec, cause: Cause): Promise<NodeOutcome> {
    const result = await this.store.transact(async (tx) => {
      const existing = await new NodeCatalogueRepository(tx.manager).findByName(spec.name);
      if (!existing) return this.create(tx, spec, cause);
      if (JSON.stringify(existing.spec) === JSON.stringify(spec)) return { ok: true as const, result: toNode(existing) };
      return this.replace(tx, existing.id, spec, cause);
    });
    return result.duplicate ? { ok: false, code: 'conflict', reason: 'duplicate' } : result.result;
  }

  private async once(envelope: Envelope, consumer: string, work: (tx: Tx) => Promise<NodeOutcome>): Promise<NodeOutcome> {
    const outcome = await this.store.transact(work, { consumer, messageId: envelope.id });
    if (!outcome.duplicate) return outcome.result;
    // Already handled: answer with the node as it is now, so a retried request still gets its result.
    const name = (envelope.data as { name?: string; nodeId?: string }).name ?? (envelope.data as { nodeId?: string }).nodeId ?? '';
    const entity = await new NodeCatalogueRepository(this.store.dataSource.manager).findByIdOrName(name);
    return entity ? { ok: true, result: toNode(entity) } : { ok: false, code: 'not-found', reason: `node ${name} is gone` };
  }

  private async create(tx: Tx, spec: NodeSpec, cause: Cause): Promise<NodeOutcome> {
    const repository = new NodeCatalogueRepository(tx.manager);
    if (await repository.findByName(spec.name)) {
      return { ok: false, code: 'conflict', reason: `a node named "${spec.name}" already exists: choose another name or update it` };
    }
    const node = toNode(await repository.insert(randomUUID(), spec, new Date()));
    await tx.emit(NodeUpserted, { node, created: true }, { cause, subject: node.id });
    return { ok: true, result: node };
  }

  private async replace(tx: Tx, id: string, merged: unknown, cause: Cause): Promise<NodeOutcome> {
    const parsed = nodeSpecSchema.safeParse(merged);
    if (!parsed.success) return { ok: false, code: 'invalid', reason: describeIssues(parsed.error) };
    const repository = new NodeCatalogueRepository(tx.manager);
    const entity = (await repository.findByIdOrName(id))!;
    const clash = await repository.findByName(parsed.data.name);
    if (clash && clash.id !== id) return { ok: false, code: 'conflict', reason: `a node named "${parsed.data.name}" already exists` };
    const node = toNode(await repository.replaceSpec(entity, parsed.data, new Date()));
    await tx.emit(NodeUpserted, { node, created: false }, { cause, subject: node.id });
    return { ok: true, result: node };
  }
}
