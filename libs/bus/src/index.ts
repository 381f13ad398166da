export * from './bus.port';
export * from './delivery-pipeline';
export * from './memory-bus.adapter';
export * from './jetstream-bus.adapter';
export * from './nest/message-handler.decorators';
export * from './nest/message-handlers.explorer';
export * from './jetstream-namespace';
