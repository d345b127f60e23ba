export * from './lib/nats-test-server';
export * from './lib/postgres-test-server';
export * from './lib/test-database';
export * from './lib/eventually';
export * from './lib/blackhole-proxy';
export * from './lib/maria-test-database';
export * from './lib/bench-machine';
