import type { EnvOf } from '../load-config';
import {
  envBoolean,
  envInteger,
  envList,
  envString,
  envUrl,
  requiredInProduction,
} from '../env-fields';

/** How every service reaches NATS. Credentials and TLS files are paths (mounted secrets on Kubernetes). */
export const natsEnv = {
  NATS_SERVERS: requiredInProduction(envList(envUrl(['nats', 'tls'])), 'nats://127.0.0.1:4222'),
  NATS_USER: envString().optional(),
  NATS_PASSWORD: envString().optional(),
  NATS_TOKEN: envString().optional(),
  NATS_CREDS_FILE: envString().optional(),
  NATS_TLS: envBoolean().default(false),
  NATS_TLS_CA_FILE: envString().optional(),
  NATS_TLS_CERT_FILE: envString().optional(),
  NATS_TLS_KEY_FILE: envString().optional(),
  /** Base wait between reconnect attempts; jitter is added on top. */
  NATS_RECONNECT_WAIT_MS: envInteger({ min: 100, max: 60_000 }).default(1000),
};

/** Limits of the JetStream stream that stores call lifecycle events. */
export const callEventsStreamEnv = {
  CALL_EVENTS_MAX_AGE_HOURS: envInteger({ min: 1, max: 24 * 365 }).default(24 * 7),
  CALL_EVENTS_MAX_BYTES: envInteger({ min: 1024 * 1024 }).default(1024 * 1024 * 1024),
  CALL_EVENTS_MAX_MSGS: envInteger({ min: -1 }).default(-1),
  CALL_EVENTS_REPLICAS: envInteger({ min: 1, max: 5 }).default(1),
  /** How long JetStream remembers an eventId to drop a repeat of it. */
  CALL_EVENTS_DUPLICATE_WINDOW_SECONDS: envInteger({ min: 1, max: 24 * 3600 }).default(600),
};

export type NatsEnv = EnvOf<typeof natsEnv>;
export type CallEventsStreamEnv = EnvOf<typeof callEventsStreamEnv>;
