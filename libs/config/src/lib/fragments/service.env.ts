import type { EnvOf } from '../load-config';
import {
  envBoolean,
  envEnum,
  envInteger,
  envPort,
  envString,
  envUrl,
  requiredInProduction,
} from '../env-fields';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const RUN_MODES = ['production', 'development'] as const;

/** HTTP endpoint (health, metrics, APIs) and logging, common to every service. */
export function serviceEnv(defaultPort: number) {
  return {
    /**
     * production (the default) refuses to start without the settings a service needs for its job;
     * development (the demo, one machine) gives them local defaults.
     */
    RUN_MODE: envEnum(RUN_MODES).default('production'),
    HTTP_HOST: envString().default('0.0.0.0'),
    HTTP_PORT: envPort().default(defaultPort),
    LOG_LEVEL: envEnum(LOG_LEVELS).default('info'),
    /** Human-readable logs for a terminal; JSON (the default) for log collectors. */
    LOG_PRETTY: envBoolean().default(false),
    /** Time allowed for a graceful stop before the process exits anyway. */
    SHUTDOWN_TIMEOUT_MS: envInteger({ min: 100, max: 120_000 }).default(10_000),
  };
}

export const databaseEnv = {
  DATABASE_URL: requiredInProduction(
    envUrl(['postgres', 'postgresql']),
    'postgres://postgres@127.0.0.1:5432/asb',
  ),
  DATABASE_POOL_SIZE: envInteger({ min: 1, max: 200 }).default(10),
  DATABASE_SSL: envBoolean().default(false),
  /**
   * Longest a statement may run (PostgreSQL's statement_timeout). A connection that has no answer
   * 2 s after it is closed, so a query behind a partition fails instead of hanging.
   */
  DATABASE_QUERY_TIMEOUT_MS: envInteger({ min: 100, max: 600_000 }).default(10_000),
};

export type ServiceEnv = EnvOf<ReturnType<typeof serviceEnv>>;
export type DatabaseEnv = EnvOf<typeof databaseEnv>;
