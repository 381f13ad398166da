export * from './audit.module';
export { AuditTrailRepository } from './trail/audit-trail.repository';
