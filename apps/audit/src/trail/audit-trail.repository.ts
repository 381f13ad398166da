import { DataSource } from 'typeorm';
import { AuditRecord, Envelope, Payload, QueryAudit } from '@somnus/contracts';
import { AuditRecordEntity } from '../persistence/audit-record.entity';
import { ChainedFields, chainHash, GENESIS_HASH } from './hash-chain';

export interface IncomingMessage {
  envelope: Envelope;
  kind: 'event' | 'command';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The node a message is about: its CloudEvents subject, else a `nodeId` or `node.id` in its data. */
export function nodeIdOf(envelope: Envelope): string | null {
  if (envelope.subject && UUID.test(envelope.subject)) return envelope.subject;
  const data = envelope.data as { nodeId?: unknown; node?: { id?: unknown } } | null;
  if (typeof data?.nodeId === 'string') return data.nodeId;
  if (typeof data?.node?.id === 'string') return data.node.id;
  return null;
}

function fieldsOf(record: AuditRecordEntity): ChainedFields {
  return {
    seq: Number(record.seq),
    messageId: record.messageId,
    kind: record.kind,
    type: record.type,
    subject: record.subject,
    nodeId: record.nodeId,
    actor: record.actor,
    correlationId: record.correlationId,
    causationId: record.causationId,
    time: record.time.toISOString(),
    data: record.data,
  };
}

export function toAuditRecord(record: AuditRecordEntity): AuditRecord {
  return { ...fieldsOf(record), kind: record.kind as AuditRecord['kind'], recordedAt: record.recordedAt.toISOString(), prevHash: record.prevHash, hash: record.hash };
}

/**
 * The append-only trail. Appends are serialised (a lock per process and an advisory lock across replicas),
 * so each record's `prevHash` is the hash of the one before; a message id is recorded once.
 */
export class AuditTrailRepository {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {}

  append(messages: IncomingMessage[]): Promise<number> {
    const run = this.tail.then(() => this.appendNow(messages));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async appendNow(messages: IncomingMessage[]): Promise<number> {
    const s = `"${this.schema}"`;
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`somnus:audit:${this.schema}`]);
      const ids = [...new Set(messages.map((m) => m.envelope.id))];
      const known = new Set(
        ((await manager.query(`SELECT message_id FROM ${s}.records WHERE message_id = ANY($1)`, [ids])) as { message_id: string }[]).map((r) => r.message_id),
      );
      const head = ((await manager.query(`SELECT seq, hash FROM ${s}.chain_head WHERE id = 1`)) as { seq: string; hash: string }[])[0];
      let seq = head ? Number(head.seq) : 0;
      let prevHash = head?.hash ?? GENESIS_HASH;
      const rows: unknown[][] = [];
      for (const { envelope, kind } of messages) {
        if (known.has(envelope.id)) continue;
        known.add(envelope.id);
        seq += 1;
        const fields: ChainedFields = {
          seq,
          messageId: envelope.id,
          kind,
          type: envelope.type,
          subject: envelope.subject ?? null,
          nodeId: nodeIdOf(envelope),
          actor: envelope.actor,
          correlationId: envelope.correlationId,
          causationId: envelope.causationId ?? null,
          time: new Date(envelope.time).toISOString(),
          data: envelope.data ?? null,
        };
        const hash = chainHash(prevHash, fields);
        rows.push([seq, fields.messageId, kind, fields.type, fields.subject, fields.nodeId, fields.actor, fields.correlationId, fields.causationId, fields.time, JSON.stringify(fields.data), prevHash, hash]);
        prevHash = hash;
      }
      if (rows.length === 0) return 0;
      // One statement per batch with an array per column: far cheaper to parse and bind than a row of
      // placeholders per record.
      const columns = Array.from({ length: 13 }, (_, j) => rows.map((row) => row[j]));
      await manager.query(
        `INSERT INTO ${s}.records (seq, message_id, kind, type, subject, node_id, actor, correlation_id, causation_id, time, data, prev_hash, hash)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::jsonb[], $12::text[], $13::text[])`,
        columns,
      );
      await manager.query(`INSERT INTO ${s}.chain_head (id, seq, hash) VALUES (1, $1, $2) ON CONFLICT (id) DO UPDATE SET seq = $1, hash = $2`, [seq, prevHash]);
      return rows.length;
    });
  }

  async query(filter: Payload<typeof QueryAudit>): Promise<{ items: AuditRecord[]; total: number }> {
    const query = this.dataSource.getRepository(AuditRecordEntity).createQueryBuilder('r').orderBy('r.seq', 'DESC').take(filter.limit).skip(filter.offset);
    if (filter.nodeId) query.andWhere('r.node_id = :nodeId', { nodeId: filter.nodeId });
    if (filter.type) query.andWhere('r.type = :type', { type: filter.type });
    if (filter.actor) query.andWhere('r.actor = :actor', { actor: filter.actor });
    if (filter.correlationId) query.andWhere('r.correlation_id = :correlationId', { correlationId: filter.correlationId });
    if (filter.from) query.andWhere('r.time >= :from', { from: filter.from });
    if (filter.to) query.andWhere('r.time <= :to', { to: filter.to });
    const [items, total] = await query.getManyAndCount();
    return { items: items.map(toAuditRecord), total };
  }

  /**
   * Walks the chain from the first record: a changed record fails its hash, a removed one leaves a gap in
   * `seq` or a broken link, and removing the newest ones disagrees with the recorded head.
   */
  async verify(): Promise<{ ok: boolean; checked: number; firstBroken: { seq: number; problem: string } | null }> {
    const repository = this.dataSource.getRepository(AuditRecordEntity);
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    const broken = (seq: number, problem: string) => ({ ok: false, checked, firstBroken: { seq, problem } });
    for (;;) {
      const page = await repository.createQueryBuilder('r').where('r.seq >= :from', { from: expectedSeq }).orderBy('r.seq', 'ASC').take(5_000).getMany();
      for (const record of page) {
        const seq = Number(record.seq);
        if (seq !== expectedSeq) return broken(expectedSeq, `record ${expectedSeq} is missing (next is ${seq}): deleted`);
        if (record.prevHash !== prevHash) return broken(seq, 'its link to the previous record does not match: a record before it was altered or deleted');
        if (chainHash(prevHash, fieldsOf(record)) !== record.hash) return broken(seq, 'its content does not match its hash: altered');
        prevHash = record.hash;
        expectedSeq += 1;
        checked += 1;
      }
      if (page.length < 5_000) break;
    }
    const head = ((await this.dataSource.query(`SELECT seq, hash FROM "${this.schema}".chain_head WHERE id = 1`)) as { seq: string; hash: string }[])[0];
    const headSeq = head ? Number(head.seq) : 0;
    if (headSeq !== checked || (head && head.hash !== prevHash)) {
      return broken(checked + 1, `the chain head says ${headSeq} records, ${checked} found: the newest records were deleted or the head was altered`);
    }
    return { ok: true, checked, firstBroken: null };
  }
}
