import type { PolicyOutcome, PowerPolicy } from '../policy.port';

/** The reference every saving is measured against: every node stays awake, nothing is ever decided. */
export class AlwaysOnPolicy implements PowerPolicy {
  readonly name = 'always-on';
  readonly cadenceMs = 60_000;

  decide(): PolicyOutcome {
    return { decisions: [], recheckAt: Number.POSITIVE_INFINITY };
  }
}
