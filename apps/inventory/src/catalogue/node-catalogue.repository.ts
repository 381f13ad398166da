import { EntityManager } from 'typeorm';
import { Node, NodeSpec } from '@somnus/contracts';
import { NodeEntity } from '../persistence/node.entity';

export function toNode(entity: NodeEntity): Node {
  return {
    ...entity.spec,
    id: entity.id,
    version: entity.version,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The node table, read and written inside the caller's transaction. */
export class NodeCatalogueRepository {
  constructor(private readonly manager: EntityManager) {}

  private get nodes() {
    return this.manager.getRepository(NodeEntity);
  }

  findByIdOrName(idOrName: string): Promise<NodeEntity | null> {
    return UUID.test(idOrName) ? this.nodes.findOneBy({ id: idOrName }) : this.nodes.findOneBy({ name: idOrName });
  }

  findByName(name: string): Promise<NodeEntity | null> {
    return this.nodes.findOneBy({ name });
  }

  async list(filter: { tier?: string; label?: string; limit: number; offset: number }): Promise<{ items: NodeEntity[]; total: number }> {
    const query = this.nodes.createQueryBuilder('node').orderBy('node.name', 'ASC').take(filter.limit).skip(filter.offset);
    if (filter.tier) query.andWhere('node.tier = :tier', { tier: filter.tier });
    if (filter.label) {
      const [key, value] = filter.label.split('=', 2);
      if (value === undefined) query.andWhere('node.spec -> \'labels\' ? :key', { key });
      else query.andWhere('node.spec -> \'labels\' ->> :key = :value', { key, value });
    }
    const [items, total] = await query.getManyAndCount();
    return { items, total };
  }

  async insert(id: string, spec: NodeSpec, at: Date): Promise<NodeEntity> {
    const entity = this.nodes.create({ id, name: spec.name, tier: spec.tier, spec, version: 1, createdAt: at, updatedAt: at });
    return this.nodes.save(entity);
  }

  async replaceSpec(entity: NodeEntity, spec: NodeSpec, at: Date): Promise<NodeEntity> {
    entity.spec = spec;
    entity.tier = spec.tier;
    entity.version += 1;
    entity.updatedAt = at;
    return this.nodes.save(entity);
  }

  async remove(entity: NodeEntity): Promise<void> {
    await this.nodes.delete({ id: entity.id });
  }
}
