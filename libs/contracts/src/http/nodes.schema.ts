import { z } from 'zod';
import { nodeStateSchema, transitionRecordSchema } from '../catalogue';
import { nodeSchema, tierSchema } from '../node.schema';
import { pageQuerySchema } from './common.schema';

export const nodeIdOrNameParamSchema = z.string().min(1).describe("A node's id (uuid) or its name.");

export const listNodesQuerySchema = pageQuerySchema.extend({
  tier: tierSchema.optional().describe('Only nodes of this tier.'),
  label: z.string().regex(/^[^=]+(=.*)?$/, 'label must be key or key=value').optional().describe('Only nodes with this label: `key` or `key=value`.'),
});

/** `If-Match` on PATCH: the node version the change was made against. */
export const ifMatchHeaderSchema = z.coerce.number().int().positive();

/** Optional for wake and sleep: a missing body is an empty one. */
export const nodeActionBodySchema = z
  .object({ reason: z.string().min(1).max(500).optional().describe('Why, in words; recorded with the command.') })
  .strict()
  .default({});

export const maintenanceBodySchema = z
  .object({
    maintenance: z.boolean().describe('true holds the node in maintenance, false releases it.'),
    reason: z.string().min(1).max(500).describe('Why, in words; recorded with the command.'),
  })
  .strict();

/** A node as GET /api/v1/nodes/{idOrName} shows it: the catalogue entry and what lifecycle knows of it. */
export const nodeWithStatusSchema = nodeSchema.extend({
  status: nodeStateSchema
    .extend({ history: z.array(transitionRecordSchema) })
    .nullable()
    .describe('Lifecycle state, power state, since when, the last transition and recent history; null while lifecycle does not know the node or does not answer within 1 s.'),
});

export const nodeActionAcceptedSchema = z.object({
  nodeId: z.string().uuid(),
  action: z.enum(['wake', 'sleep']),
  commandId: z.string().optional().describe('Present when the owner had not finished within SOMNUS_COMMAND_TIMEOUT_MS.'),
  status: z.literal('accepted'),
});

export const nodeRemovedSchema = z.object({ nodeId: z.string().uuid() });

/** Maintenance answers 200 either with the node's new state or, when lifecycle is slow, with the stored command. */
export const maintenanceAcceptedSchema = z.object({ nodeId: z.string().uuid(), status: z.literal('accepted'), commandId: z.string() });
export const maintenanceResultSchema = z.union([nodeStateSchema, maintenanceAcceptedSchema]);
