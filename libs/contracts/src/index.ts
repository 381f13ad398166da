export * from './envelope';
export * from './message';
export * from './node.schema';
export * from './lifecycle.schema';
export * from './catalogue';
export * from './validation';
export * from './node-protocol';
export * from './invariants';
