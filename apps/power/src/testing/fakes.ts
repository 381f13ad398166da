// In-memory stand-ins for the power service's energy and node ports, for unit tests.
import type { PowerState } from '@somnus/contracts';
import type { Tx } from '@somnus/persistence';
import type { EnergySample, EnergySamplesRepository, SampledEnergy } from '../energy/energy-samples.repository';
import type { NodePowerState, PowerStateListener } from '../nodes/power-state-book';

/** The energy_samples table in memory, summed with the same range rule: (from, to] on each sample's end. */
export class FakeEnergySamples implements EnergySamplesRepository {
  readonly rows: EnergySample[] = [];
  failNextInsert?: Error;

  async insert(_tx: Tx, sample: EnergySample): Promise<void> {
    const failure = this.failNextInsert;
    this.failNextInsert = undefined;
    if (failure) throw failure;
    this.rows.push(sample);
  }

  async sums(range: { to: Date; from?: Date; nodeId?: string }): Promise<SampledEnergy[]> {
    const byNode = new Map<string, SampledEnergy>();
    for (const row of this.rows) {
      if (row.to > range.to || (range.from && row.to <= range.from) || (range.nodeId && row.nodeId !== range.nodeId)) continue;
      const sum = byNode.get(row.nodeId) ?? { nodeId: row.nodeId, joules: 0, alwaysOnJoules: 0, firstAt: null };
      sum.joules += row.joules;
      sum.alwaysOnJoules += row.alwaysOnJoules;
      if (!sum.firstAt || row.from < sum.firstAt) sum.firstAt = row.from;
      byNode.set(row.nodeId, sum);
    }
    return [...byNode.values()];
  }
}

/** Power states the test sets; listeners hear every change, as the power-state book's do. */
export class FakePowerStates {
  private readonly states = new Map<string, NodePowerState>();
  private readonly listeners: PowerStateListener[] = [];

  onChange(listener: PowerStateListener): void {
    this.listeners.push(listener);
  }

  stateOf(nodeId: string): PowerState {
    return this.states.get(nodeId)?.state ?? 'unknown';
  }

  set(nodeId: string, state: PowerState, at: Date): void {
    const previous = this.states.get(nodeId);
    if (previous?.state === state) return;
    const next = { state, since: at, reason: 'test' };
    this.states.set(nodeId, next);
    for (const listener of this.listeners) listener(nodeId, next, previous);
  }
}
