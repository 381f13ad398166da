// Builds catalogue nodes for the power service's tests, through the real schema so defaults apply.
import { randomUUID } from 'node:crypto';
import { Node, NodeSpecInput, nodeSchema } from '@somnus/contracts';

export function testNode(overrides: Partial<NodeSpecInput> = {}): Node {
  return nodeSchema.parse({
    name: 'node-a',
    tier: 'dev',
    mac: '52:54:00:12:34:56',
    ip: '10.0.1.17',
    capacity: { cpu: 8, memoryMiB: 32768 },
    ...overrides,
    id: randomUUID(),
    version: 1,
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
  });
}
