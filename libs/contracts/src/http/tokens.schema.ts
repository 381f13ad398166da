import { z } from 'zod';
import { apiRoleSchema } from '../catalogue';

export const tokenIdParamSchema = z.string().uuid().describe("An API token's id (uuid).");

export const newTokenBodySchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'name must be 1-63 lower-case letters, digits, ".", "_" or "-"'),
    role: apiRoleSchema,
  })
  .strict();

export const issuedTokenSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: apiRoleSchema,
  createdAt: z.string(),
  token: z.string().describe('The secret: shown in this response only; only its hash is kept.'),
});
export type IssuedToken = z.infer<typeof issuedTokenSchema>;

export const tokenSummarySchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  role: apiRoleSchema,
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().nullable(),
});
export type TokenSummary = z.infer<typeof tokenSummarySchema>;
export const tokenListSchema = z.array(tokenSummarySchema);

export const tokenRevokedSchema = z.object({ id: z.string().uuid(), revoked: z.literal(true) });
