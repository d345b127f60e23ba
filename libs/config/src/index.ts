export * from './lib/config-error';
export * from './lib/env-fields';
export * from './lib/load-config';
export * from './lib/app-config.module';
export * from './lib/fragments/nats.env';
export * from './lib/fragments/service.env';
