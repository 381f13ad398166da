import { z } from 'zod';

/** A command the owner did not finish within SOMNUS_COMMAND_TIMEOUT_MS: it is stored and will run. */
export const commandAcceptedSchema = z
  .object({ commandId: z.string().describe('The command envelope id; follow it in the audit trail.'), status: z.literal('accepted') })
  .describe('The command is stored and will be handled; its outcome is not known yet.');
export type CommandAccepted = z.infer<typeof commandAcceptedSchema>;

/** Query-string paging: numbers arrive as text, so they are coerced. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Page size.'),
  offset: z.coerce.number().int().min(0).default(0).describe('Records to skip.'),
});

