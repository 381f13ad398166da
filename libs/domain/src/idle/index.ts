export * from './idle-detector';
