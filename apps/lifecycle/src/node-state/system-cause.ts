import { type Cause, newMessageId } from '@somnus/contracts';

export const LIFECYCLE_ACTOR = 'system:lifecycle';

/** The cause of what lifecycle does on its own (idle detection, reconciling, the wake safety net). */
export function systemCause(): Cause {
  return { actor: LIFECYCLE_ACTOR, correlationId: newMessageId() };
}
