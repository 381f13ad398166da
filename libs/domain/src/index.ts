export * from './power/power-model';
export * from './lifecycle';
export * from './safety';
export * from './idle';
