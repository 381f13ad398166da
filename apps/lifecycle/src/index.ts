export * from './lifecycle.module';
export { loadLifecycleConfig, lifecycleEnvSchema, type LifecycleConfig } from './config/lifecycle.config';
export { decideInitialState } from './node-state/initial-state';
export type { Clock } from '@somnus/runtime';
export type { ClusterPort } from './kubernetes/cluster.port';
