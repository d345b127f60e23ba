export * from './lib/database.module';
export * from './lib/database-connector';
