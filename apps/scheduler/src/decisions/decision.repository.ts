import type { EntityManager } from 'typeorm';
import type { ReplyOf, ListDecisions } from '@somnus/contracts';
import type { Tx } from '@somnus/persistence';
import type { DecisionAction, ReasonCode } from '@somnus/policy';

export interface RecordedDecision {
  id: string;
  at: Date;
  action: DecisionAction;
  nodeId: string | null;
  nodeName: string | null;
  reason: string;
  code: ReasonCode;
  policy: string;
  dryRun: boolean;
  correlationId: string;
}

interface DecisionRow {
  id: string;
  at: Date | string;
  action: DecisionAction;
  node_id: string | null;
  node_name: string | null;
  reason: string;
  code: string | null;
  policy: string;
  dry_run: boolean;
  total?: string | number;
}

type DecisionPage = ReplyOf<typeof ListDecisions>;

/** The decisions table: recorded in the decider's transaction, listed by every replica. */
export class DecisionRepository {
  constructor(
    private readonly manager: EntityManager,
    private readonly schema: string,
  ) {}

  /** In the transaction that emits the decision's event, so the record and the event stand or fall together. */
  async insert(tx: Tx, d: RecordedDecision): Promise<void> {
    await tx.manager.query(
      `INSERT INTO "${this.schema}".decisions (id, at, action, node_id, node_name, reason, code, policy, dry_run, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [d.id, d.at, d.action, d.nodeId, d.nodeName, d.reason, d.code, d.policy, d.dryRun, d.correlationId],
    );
  }

  /** Newest first, filtered by node and action. */
  async list(filter: { limit: number; offset: number; nodeId?: string; action?: DecisionAction }): Promise<DecisionPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.nodeId) {
      params.push(filter.nodeId);
      where.push(`node_id = $${params.length}`);
    }
    if (filter.action) {
      params.push(filter.action);
      where.push(`action = $${params.length}`);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const counted = (await this.manager.query(`SELECT count(*) AS total FROM "${this.schema}".decisions ${clause}`, params)) as { total: string | number }[];
    const rows = (await this.manager.query(
      `SELECT id, at, action, node_id, node_name, reason, code, policy, dry_run FROM "${this.schema}".decisions ${clause}
       ORDER BY at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    )) as DecisionRow[];
    return {
      total: Number(counted[0]?.total ?? 0),
      items: rows.map((r) => ({
        id: r.id,
        at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
        action: r.action,
        nodeId: r.node_id,
        nodeName: r.node_name,
        reason: r.reason,
        ...(r.code ? { code: r.code } : {}),
        policy: r.policy,
        dryRun: r.dry_run,
      })),
    };
  }
}
