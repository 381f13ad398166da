export * from './runtime.config';
export * from './service-descriptor';
export * from './readiness';
export * from './health.controller';
export * from './service-module';
export * from './host';
export * from './kubernetes';
export * from './bus-instrumentation';
