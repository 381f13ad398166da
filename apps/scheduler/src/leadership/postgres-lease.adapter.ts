import type { DataSource } from 'typeorm';
import type { Tx } from '@somnus/persistence';
import type { LeaderLeaseStore } from './leader-lease.port';
import type { LeaseFence } from './lease-fence.port';

/**
 * The lease as one row of `<schema>.leader_lease`. One atomic upsert takes or renews it only when it is
 * expired or already ours, and Postgres' clock decides: two replicas can never both get a row back.
 */
export class PostgresLeaderLease implements LeaderLeaseStore, LeaseFence {
  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly name = 'scheduler',
  ) {}

  async tryAcquire(holder: string, durationMs: number): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `INSERT INTO "${this.schema}".leader_lease AS l (name, holder, expires_at, acquired_at)
       VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond', clock_timestamp())
       ON CONFLICT (name) DO UPDATE
         SET holder = EXCLUDED.holder,
             expires_at = EXCLUDED.expires_at,
             acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE EXCLUDED.acquired_at END
         WHERE l.expires_at < clock_timestamp() OR l.holder = EXCLUDED.holder
       RETURNING holder`,
      [this.name, holder, durationMs],
    )) as { holder: string }[];
    return rows.length === 1 && rows[0]?.holder === holder;
  }

  async release(holder: string): Promise<void> {
    await this.dataSource.query(`UPDATE "${this.schema}".leader_lease SET expires_at = clock_timestamp() - interval '1 millisecond' WHERE name = $1 AND holder = $2`, [
      this.name,
      holder,
    ]);
  }

  async currentHolder(): Promise<string | undefined> {
    const rows = (await this.dataSource.query(`SELECT holder FROM "${this.schema}".leader_lease WHERE name = $1 AND expires_at > clock_timestamp()`, [this.name])) as {
      holder: string;
    }[];
    return rows[0]?.holder;
  }

  async holds(tx: Tx, holder: string): Promise<boolean> {
    const rows = (await tx.manager.query(`SELECT 1 FROM "${this.schema}".leader_lease WHERE name = $1 AND holder = $2 AND expires_at > clock_timestamp()`, [
      this.name,
      holder,
    ])) as unknown[];
    return rows.length > 0;
  }
}
