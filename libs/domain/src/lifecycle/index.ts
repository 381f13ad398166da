export * from './transitions';
export * from './node-lifecycle';
