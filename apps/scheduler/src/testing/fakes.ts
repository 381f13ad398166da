// In-memory stand-ins for the decision loop's ports, for unit tests: no database, no Kubernetes, no bus.
import type { Calendar } from '@somnus/contracts';
import type { Tx } from '@somnus/persistence';
import type { Decision, PolicyInput, PolicyOutcome, PowerPolicy } from '@somnus/policy';
import type { RecordedDecision } from '../decisions/decision.repository';
import type { ClusterView, DemandListener, DemandSource } from '../demand/demand-source.port';
import type { ProjectedNode } from '../fleet/fleet-snapshot';
import type { LeaseFence } from '../leadership/lease-fence.port';

/** A demand source whose cluster the test sets; `listener` is how the test reports pod changes. */
export class FakeDemandSource implements DemandSource {
  listener?: DemandListener;
  starts = 0;
  stops = 0;

  constructor(public cluster: ClusterView | undefined = undefined) {}

  async start(listener: DemandListener): Promise<void> {
    this.starts += 1;
    this.listener = listener;
  }

  async stop(): Promise<void> {
    this.stops += 1;
    this.listener = undefined;
  }

  current(): ClusterView | undefined {
    return this.listener ? this.cluster : undefined;
  }
}

/** A policy that answers what the test tells it to, and remembers what it was asked. */
export class FakePolicy implements Pick<PowerPolicy, 'name' | 'decide'> {
  readonly name = 'somnus-test';
  readonly inputs: PolicyInput[] = [];
  answer: Decision[] = [];
  recheckAt?: number;
  /** Runs while the policy decides: the moment to take the lease away, say. */
  whileDeciding?: () => void;

  decide(input: PolicyInput): PolicyOutcome {
    this.inputs.push(input);
    this.whileDeciding?.();
    return { decisions: this.answer, recheckAt: this.recheckAt };
  }
}

export class FakeFleetProjection {
  constructor(public nodes: ProjectedNode[] = []) {}

  async list(): Promise<ProjectedNode[]> {
    return this.nodes.map((n) => ({ ...n }));
  }
}

export class FakeCalendars {
  constructor(public calendars: Calendar[] = []) {}

  async list(): Promise<Calendar[]> {
    return [...this.calendars];
  }
}

export class FakeDecisionRecords {
  readonly recorded: RecordedDecision[] = [];

  async insert(_tx: Tx, decision: RecordedDecision): Promise<void> {
    this.recorded.push(decision);
  }
}

/** The lease as the fence sees it: held by `holder` until the test says otherwise. */
export class FakeLeaseFence implements LeaseFence {
  checks = 0;

  constructor(public holder: string | undefined = undefined) {}

  async holds(_tx: Tx, holder: string): Promise<boolean> {
    this.checks += 1;
    return this.holder !== undefined && this.holder === holder;
  }
}
