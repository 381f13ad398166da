export * from './api-gateway.module';
export { AdminTokenBootstrap } from './auth/admin-token.bootstrap';
