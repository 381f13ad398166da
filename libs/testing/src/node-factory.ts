import { randomUUID } from 'node:crypto';
import { type Node, nodeSchema, type NodeSpecInput } from '@somnus/contracts';

/** A valid catalogue entry for unit tests: 8 cores, 32 GiB, tier dev, unless `spec` says otherwise. */
export function catalogueNode(name: string, spec: Partial<NodeSpecInput> = {}, id: string = randomUUID()): Node {
  const at = '2025-03-03T00:00:00.000Z';
  return nodeSchema.parse({ name, capacity: { cpu: 8, memoryMiB: 32_768 }, ...spec, id, version: 1, createdAt: at, updatedAt: at });
}
