import { z } from 'zod';
import { pageQuerySchema } from './common.schema';

export const auditQuerySchema = pageQuerySchema.extend({
  nodeId: z.string().optional().describe('Only records about this node (its id).'),
  type: z.string().optional().describe('Only records of this message type, e.g. io.somnus.inventory.node-upserted.v1.'),
  actor: z.string().optional().describe('Only records caused by this actor (token name, policy:<name>, ...).'),
  correlationId: z.string().optional().describe('Only records of this request chain.'),
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time, e.g. 2026-11-23T08:00:00Z' }).optional().describe('Recorded at or after.'),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time, e.g. 2026-11-23T18:00:00Z' }).optional().describe('Recorded at or before.'),
});
