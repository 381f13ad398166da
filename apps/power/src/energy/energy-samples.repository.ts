// The `energy_samples` table: one row per node per sample interval, summed for the energy totals.
import type { DataSource } from 'typeorm';
import type { PowerState } from '@somnus/contracts';
import type { Tx } from '@somnus/persistence';

export interface EnergySample {
  nodeId: string;
  from: Date;
  to: Date;
  joules: number;
  alwaysOnJoules: number;
  watts: number;
  state: PowerState;
}

/** One node's samples summed over a query's range. */
export interface SampledEnergy {
  nodeId: string;
  joules: number;
  alwaysOnJoules: number;
  /** Start of the node's earliest sample in the range. */
  firstAt: Date | null;
}

export interface EnergySamplesRepository {
  /** In the transaction that emits the sample's event. */
  insert(tx: Tx, sample: EnergySample): Promise<void>;
  /** Samples whose end falls in (from, to], per node; `nodeId` narrows it to one node. */
  sums(range: { to: Date; from?: Date; nodeId?: string }): Promise<SampledEnergy[]>;
}

export const ENERGY_SAMPLES = Symbol('ENERGY_SAMPLES');

interface SumsRow {
  node_id: string;
  joules: number | string;
  always_on_joules: number | string;
  first_at: Date | string | null;
}

export class SqlEnergySamplesRepository implements EnergySamplesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async insert(tx: Tx, sample: EnergySample): Promise<void> {
    await tx.manager.query(
      `INSERT INTO power.energy_samples (node_id, from_at, to_at, joules, always_on_joules, watts, power_state) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [sample.nodeId, sample.from, sample.to, sample.joules, sample.alwaysOnJoules, sample.watts, sample.state],
    );
  }

  async sums(range: { to: Date; from?: Date; nodeId?: string }): Promise<SampledEnergy[]> {
    const rows = (await this.dataSource.query(
      `SELECT node_id, sum(joules) AS joules, sum(always_on_joules) AS always_on_joules, min(from_at) AS first_at
         FROM power.energy_samples
        WHERE to_at <= $1 AND ($2::timestamptz IS NULL OR to_at > $2) AND ($3::uuid IS NULL OR node_id = $3)
        GROUP BY node_id`,
      [range.to, range.from ?? null, range.nodeId ?? null],
    )) as SumsRow[];
    return rows.map((row) => ({
      nodeId: row.node_id,
      joules: Number(row.joules),
      alwaysOnJoules: Number(row.always_on_joules),
      firstAt: row.first_at ? new Date(row.first_at) : null,
    }));
  }
}
