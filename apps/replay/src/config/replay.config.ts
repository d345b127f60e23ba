import {
  databaseEnv,
  envBoolean,
  envEnum,
  envString,
  EnvOf,
  loadConfig,
  natsEnv,
  RUN_MODES,
} from '@asb/config';

/** The replay tool's settings: where NATS and call-logger's database and recordings are. */
export const replayEnv = {
  RUN_MODE: envEnum(RUN_MODES).default('production'),
  ...natsEnv,
  DATABASE_URL: databaseEnv.DATABASE_URL,
  DATABASE_SSL: envBoolean().default(false),
  /** Where call-logger's RECORDINGS_DIR is mounted here; by default, the path it wrote. */
  REPLAY_RECORDINGS_DIR: envString().optional(),
};

export type ReplayConfig = EnvOf<typeof replayEnv>;

export function loadReplayConfig(env?: Record<string, string | undefined>): ReplayConfig {
  return loadConfig(replayEnv, { env });
}
