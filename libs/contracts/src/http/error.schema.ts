import { z } from 'zod';

/**
 * The one JSON error shape of the API. `code` is stable and machine-readable; `message` says what was wrong
 * and what to do; `correlationId` finds the request in the logs and the audit trail.
 */
export const apiErrorSchema = z
  .object({
    error: z.object({
      status: z.number().int().min(400).max(599).describe('The HTTP status, repeated.'),
      code: z
        .string()
        .describe(
          'Stable error code: invalid, unauthenticated, forbidden, not-found, method-not-allowed, conflict, refused, too-large, unsupported-media-type, rate-limited, unavailable, internal.',
        ),
      message: z.string().describe('What was wrong and what to do, in words; never a stack trace or a secret.'),
      details: z.array(z.string()).optional().describe('One line per invalid field, as `path: problem`.'),
      correlationId: z.string().describe('The X-Correlation-Id of the request (given or generated).'),
    }),
  })
  .describe('Every error response has this shape.');
export type ApiErrorResponse = z.infer<typeof apiErrorSchema>;
