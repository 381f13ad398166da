export * from './services';
export * from './test-database';
export * from './fleet-world';
export * from './fake-clock';
