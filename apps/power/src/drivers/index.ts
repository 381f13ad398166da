// The power drivers: one port, an adapter each, and the registry that picks one per node.
export * from './power-driver.port';
export * from './wake-on-lan.driver';
export * from './ssh.driver';
export * from './script.driver';
export * from './webhook.driver';
export * from './ssh-errors';
export * from './ssh-host-key';
export * from './ssh-key-store.port';
export * from './ssh-key-store.adapter';
export type { NodeActivity } from '@somnus/domain';
export * from './node-command';
export * from './secret-store';
