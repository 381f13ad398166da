export * from './power-model';
export * from './energy';
