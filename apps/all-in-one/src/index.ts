export * from './services';
export * from './all-in-one';
export { ConsoleReporter } from './simulation/console-reporter';
