import { z } from 'zod';
import { pageQuerySchema } from './common.schema';

export const listDecisionsQuerySchema = pageQuerySchema.extend({
  nodeId: z.string().uuid('nodeId must be a node id (uuid)').optional().describe('Only decisions about this node.'),
  action: z.enum(['wake', 'sleep', 'hold']).optional().describe('Only decisions with this action.'),
});

export const energyQuerySchema = z.object({
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 time' }).optional().describe('Start of the span (default: since metering began).'),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 time' }).optional().describe('End of the span (default: now).'),
  nodeId: z.string().uuid('nodeId must be a node id (uuid)').optional().describe('Only this node.'),
});

export const calendarIdParamSchema = z.string().uuid().describe("A calendar window's id (uuid).");

export const calendarRemovedSchema = z.object({ calendarId: z.string().uuid() });
