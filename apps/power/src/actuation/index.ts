// Carrying out power actions safely: rate limits, retries, verification, idempotency.
export * from './retry-policy';
export * from './rate-limiter';
export * from './recent-commands';
export * from './power-observer';
export * from './tcp-probe.adapter';
export * from './wake-verifier';
export * from './sleep-verifier';
export * from './wake-node.use-case';
export * from './sleep-node.use-case';
