import { isAbsolute, resolve } from 'node:path';
import {
  callEventsStreamEnv,
  databaseEnv,
  envBoolean,
  envInteger,
  envString,
  EnvOf,
  loadConfig,
  LoadConfigOptions,
  natsEnv,
  serviceEnv,
} from '@asb/config';

/** A JetStream consumer name is one subject token; we keep to characters safe everywhere. */
const CONSUMER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export const callLoggerEnv = {
  ...serviceEnv(3003),
  ...natsEnv,
  ...callEventsStreamEnv,
  ...databaseEnv,
  /** Durable consumer of the call events stream; replicas sharing the name share the work. */
  CALL_LOGGER_CONSUMER: envString()
    .refine((value) => CONSUMER_NAME.test(value), 'must be 1-64 characters of [A-Za-z0-9_-]')
    .default('call-logger'),
  /**
   * Events delivered but not yet acknowledged, at most. Bounds the memory of a database outage
   * and how far the consumer reads ahead (recordings start from events as they are read).
   */
  CALL_LOGGER_MAX_ACK_PENDING: envInteger({ min: 10, max: 100_000 }).default(5000),
  /** Events written in one transaction, at most. */
  CALL_LOGGER_BATCH_SIZE: envInteger({ min: 1, max: 5000 }).default(500),
  /**
   * A write that has not succeeded for this long (retries included) fails liveness, so the
   * orchestrator restarts a logger that is stuck; nothing is lost, the events wait in JetStream.
   */
  CALL_LOGGER_STUCK_WRITE_MS: envInteger({ min: 1000, max: 3_600_000 }).default(60_000),
  /**
   * How long the TRANSCRIPTS stream keeps segments: the longest call-logger may be away without
   * losing a final published meanwhile. call-logger provisions the stream.
   */
  TRANSCRIPTS_MAX_AGE_HOURS: envInteger({ min: 1, max: 24 * 365 }).default(24),
  /** Size limit of the TRANSCRIPTS stream (its oldest segments go first). */
  TRANSCRIPTS_MAX_BYTES: envInteger({ min: 1024 * 1024, max: 1024 ** 4 }).default(
    256 * 1024 * 1024,
  ),
  /** One stats sample per stream is kept per interval (plus every change of the stalled flag). */
  STATS_SAMPLE_INTERVAL_MS: envInteger({ min: 0, max: 3_600_000 }).default(5000),
  /**
   * A running stream (tapped, call not ended) that sent no sample for this long is marked
   * stalled here: its gateway, which would say so itself, may be dead. Stream rows learn of
   * samples up to 5 s late (they are rewritten at most that often), so the mark comes that much
   * later in the worst case.
   */
  STATS_STALL_AFTER_MS: envInteger({ min: 500, max: 600_000 }).default(3000),
  RECORDINGS_ENABLED: envBoolean().default(true),
  /** Where WAV files are written (one per call, under yyyy/mm/dd/); relative to the working directory. */
  RECORDINGS_DIR: envString().default('recordings'),
  RECORDINGS_RETENTION_DAYS: envInteger({ min: 1, max: 36_500 }).default(30),
  /**
   * Largest total size of the finished recordings: beyond it, each sweep deletes the oldest
   * (file and row) until they fit. Unset: only their age limits them.
   */
  RECORDINGS_MAX_TOTAL_MB: envInteger({ min: 1, max: 1_000_000_000 }).optional(),
  /** How often the retention sweep runs (age, size, and files no row refers to). */
  RECORDINGS_SWEEP_INTERVAL_MINUTES: envInteger({ min: 1, max: 24 * 60 }).default(60),
  /** Calls recorded at once, at most; later calls are not recorded while at the limit. */
  RECORDINGS_MAX_ACTIVE: envInteger({ min: 1, max: 100_000 }).default(2000),
};

export type CallLoggerConfig = EnvOf<typeof callLoggerEnv>;

/** loadConfig plus the normalisation of the recordings directory to an absolute path. */
export function loadCallLoggerConfig(options?: LoadConfigOptions): CallLoggerConfig {
  const config = loadConfig(callLoggerEnv, options);
  const dir = config.RECORDINGS_DIR;
  return { ...config, RECORDINGS_DIR: isAbsolute(dir) ? dir : resolve(dir) };
}
