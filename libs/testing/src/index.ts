export * from './services';
export * from './test-database';
export * from './fleet-world';
export * from './fake-clock';
export * from './fake-transactions';
export * from './node-factory';
