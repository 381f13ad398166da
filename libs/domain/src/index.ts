export * from './power';
export * from './lifecycle';
export * from './safety';
export * from './idle';
export * from './activity/node-activity';
