import { serviceModule, ServiceDescriptor } from '@somnus/runtime';
import { AuditRecordEntity } from './persistence/audit-record.entity';
import { auditMigrations } from './persistence/migrations';
import { AuditTrailHandler } from './trail/audit-trail.handler';

/** Owns the append-only, hash-chained record of every event and command. */
export class AuditModule {}

export const auditService: ServiceDescriptor = {
  name: 'audit',
  entities: [AuditRecordEntity],
  migrations: auditMigrations,
  module: (infrastructure) => serviceModule(AuditModule, infrastructure, { providers: [AuditTrailHandler] }),
};
