export * from './services';
export * from './test-database';
export * from './bus-namespace';
