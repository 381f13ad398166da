import { DataSource } from 'typeorm';
import { createEnvelope, Envelope, NodeRemoved } from '@somnus/contracts';
import { createDataSource, EmbeddedPostgres, runMigrations, startEmbeddedPostgres } from '@somnus/persistence';
import { describeWithServices, realServices, uniqueName } from '@somnus/testing';
import { AuditRecordEntity } from '../persistence/audit-record.entity';
import { auditMigrations } from '../persistence/migrations';
import { AuditTrailRepository } from './audit-trail.repository';

function removedEvent(name: string, actor = 'ops-token'): Envelope {
  return createEnvelope(NodeRemoved.type, { nodeId: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', name }, { source: 'test', cause: { actor, correlationId: `c-${name}` }, time: new Date() });
}

function describeAuditTrail(label: string, connect: () => Promise<{ url: string; stop(): Promise<void> }>, poolSize: number) {
  describe(`audit trail on ${label}`, () => {
    let database: { url: string; stop(): Promise<void> };
    let dataSource: DataSource;
    let schema: string;
    let trail: AuditTrailRepository;

    beforeAll(async () => {
      database = await connect();
      // The entity names schema "audit"; the test uses its own schema through raw SQL and the repository.
      dataSource = await createDataSource({ url: database.url, entities: [AuditRecordEntity], poolSize, applicationName: 'audit-test' });
    });
    beforeEach(async () => {
      schema = 'audit';
      await dataSource.query('DROP SCHEMA IF EXISTS audit CASCADE');
      await runMigrations(dataSource, schema, auditMigrations(schema));
      trail = new AuditTrailRepository(dataSource, schema);
      await trail.append(['a', 'b', 'c', 'd', 'e'].map((name) => ({ envelope: removedEvent(name), kind: 'event' as const })));
    });
    afterAll(async () => {
      await dataSource.query('DROP SCHEMA IF EXISTS audit CASCADE');
      await dataSource.destroy();
      await database.stop();
    });

    it('verifies an untouched chain', async () => {
      expect(await trail.verify()).toEqual({ ok: true, checked: 5, firstBroken: null });
    });

    it('records a message id once, even when delivered again', async () => {
      const again = removedEvent('f');
      expect(await trail.append([{ envelope: again, kind: 'event' }, { envelope: again, kind: 'event' }])).toBe(1);
      expect(await trail.append([{ envelope: again, kind: 'event' }])).toBe(0);
      expect((await trail.verify()).checked).toBe(6);
    });

    it('catches an altered record and names it', async () => {
      await dataSource.query(`UPDATE audit.records SET actor = 'someone-else' WHERE seq = 3`);
      const result = await trail.verify();
      expect(result.ok).toBe(false);
      expect(result.firstBroken).toEqual({ seq: 3, problem: expect.stringContaining('altered') });
    });

    it('catches a deleted record in the middle', async () => {
      await dataSource.query('DELETE FROM audit.records WHERE seq = 2');
      const result = await trail.verify();
      expect(result.firstBroken).toEqual({ seq: 2, problem: expect.stringContaining('deleted') });
    });

    it('catches the newest record deleted', async () => {
      await dataSource.query('DELETE FROM audit.records WHERE seq = 5');
      const result = await trail.verify();
      expect(result.ok).toBe(false);
      expect(result.firstBroken?.problem).toContain('newest records were deleted');
    });

    it('filters by actor, node and time, newest first', async () => {
      await trail.append([{ envelope: removedEvent('g', 'other-token'), kind: 'event' }]);
      const byActor = await trail.query({ actor: 'other-token', limit: 10, offset: 0 });
      expect(byActor.items.map((r) => (r.data as { name: string }).name)).toEqual(['g']);
      const all = await trail.query({ nodeId: '5b0c6a5e-6f53-4a4f-9f0e-0c1f2d3e4a5b', limit: 2, offset: 0 });
      expect(all.total).toBe(6);
      expect(all.items.map((r) => r.seq)).toEqual([6, 5]);
      const future = await trail.query({ from: new Date(Date.now() + 60_000).toISOString(), limit: 10, offset: 0 });
      expect(future.total).toBe(0);
    });
  });
}

describeWithServices(['postgres'], 'real PostgreSQL', () => {
  // A database of its own, so the fixed schema name "audit" never meets a running stack's.
  const name = uniqueName('somnus_audit').toLowerCase();
  let admin: DataSource;
  describeAuditTrail(
    'PostgreSQL',
    async () => {
      admin = await createDataSource({ url: realServices.postgresUrl, entities: [], poolSize: 1, applicationName: 'audit-test-admin' });
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(realServices.postgresUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        stop: async () => {
          await admin.query(`DROP DATABASE IF EXISTS ${name}`);
          await admin.destroy();
        },
      };
    },
    5,
  );
});

describeAuditTrail('embedded PGlite', async (): Promise<EmbeddedPostgres> => startEmbeddedPostgres('memory://'), 1);
