export * from './power/power-model';
