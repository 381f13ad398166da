export * from './data-source.factory';
export * from './migrations';
export * from './service-store';
export * from './outbox-relay';
export * from './embedded-postgres';
