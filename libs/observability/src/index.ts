export * from './lib/observability.module';
export * from './lib/health/readiness-registry';
export * from './lib/metrics/metrics.registry';
export * from './lib/logging/pino-options';
export * from './lib/start-service';
