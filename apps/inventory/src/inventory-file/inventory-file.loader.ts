import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { parse } from 'yaml';
import { z } from 'zod';
import { describeIssues, newMessageId, nodeSpecSchema, NodeSpec } from '@somnus/contracts';
import { SERVICE_INFRASTRUCTURE, ServiceInfrastructure } from '@somnus/runtime';
import { NodeCatalogueHandler } from '../catalogue/node-catalogue.handler';

export const inventoryFileSchema = z.object({ nodes: z.array(z.unknown()) }).strict();

export class InventoryFileError extends Error {
  constructor(file: string, problems: string[]) {
    super(`inventory file ${file} is not valid; nothing was loaded:\n  ${problems.join('\n  ')}`);
    this.name = 'InventoryFileError';
  }
}

/** Reads and validates a static inventory file (YAML: `nodes: [<node spec>, ...]`). All or nothing. */
export function readInventoryFile(file: string): NodeSpec[] {
  let document: unknown;
  try {
    document = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new InventoryFileError(file, [error instanceof Error ? error.message : String(error)]);
  }
  const top = inventoryFileSchema.safeParse(document);
  if (!top.success) throw new InventoryFileError(file, [`expected a mapping with a "nodes" list: ${describeIssues(top.error)}`]);
  const problems: string[] = [];
  const specs: NodeSpec[] = [];
  const names = new Set<string>();
  top.data.nodes.forEach((raw, index) => {
    const parsed = nodeSpecSchema.safeParse(raw);
    const label = `nodes[${index}]${typeof raw === 'object' && raw && 'name' in raw ? ` (${String((raw as { name: unknown }).name)})` : ''}`;
    if (!parsed.success) problems.push(`${label}: ${describeIssues(parsed.error)}`);
    else if (names.has(parsed.data.name)) problems.push(`${label}: the name "${parsed.data.name}" appears twice`);
    else {
      names.add(parsed.data.name);
      specs.push(parsed.data);
    }
  });
  if (problems.length > 0) throw new InventoryFileError(file, problems);
  return specs;
}

/** Loads `SOMNUS_INVENTORY_FILE` at start: nodes are created or updated by name; nothing is deleted. */
@Injectable()
export class InventoryFileLoader implements OnApplicationBootstrap {
  private readonly logger = new Logger('inventory-file');

  constructor(
    @Inject(SERVICE_INFRASTRUCTURE) private readonly infrastructure: ServiceInfrastructure,
    private readonly catalogue: NodeCatalogueHandler,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const file = this.infrastructure.config.SOMNUS_INVENTORY_FILE;
    if (!file) return;
    await this.load(file);
  }

  async load(file: string): Promise<number> {
    const specs = readInventoryFile(file);
    const cause = { actor: 'system:inventory-file', correlationId: newMessageId() };
    for (const spec of specs) {
      const outcome = await this.catalogue.upsertByName(spec, cause);
      if (!outcome.ok) throw new Error(`inventory file ${file}: ${spec.name}: ${outcome.reason}`);
    }
    this.logger.log(`loaded ${specs.length} nodes from ${file}`);
    return specs.length;
  }
}
