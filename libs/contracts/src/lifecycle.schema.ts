import { z } from 'zod';

/** The lifecycle states of DESIGN.md; the transition table lives in libs/domain. */
export const LIFECYCLE_STATES = [
  'provisioning',
  'initializing',
  'ready',
  'active',
  'idle',
  'draining',
  'sleeping',
  'waking',
  'unhealthy',
  'maintenance',
  'decommissioned',
] as const;
export const lifecycleStateSchema = z.enum(LIFECYCLE_STATES);
export type LifecycleState = z.infer<typeof lifecycleStateSchema>;

export const POWER_STATES = ['on', 'suspending', 'off', 'waking', 'unknown'] as const;
export const powerStateSchema = z.enum(POWER_STATES);
export type PowerState = z.infer<typeof powerStateSchema>;
