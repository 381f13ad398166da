import { z } from 'zod';

export const livenessSchema = z.object({ status: z.literal('ok') });

export const readinessSchema = z.object({
  status: z.enum(['ready', 'not-ready']),
  dependencies: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
});

/** Prometheus' text exposition format. */
export const prometheusTextSchema = z.string().describe('Prometheus text exposition format 0.0.4.');
