export * from './wol-listener';
export * from './activity-report';
export * from './ssh-node-server';
