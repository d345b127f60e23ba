import proxyAddr from 'proxy-addr';
import {
  ConfigError,
  databaseEnv,
  EnvOf,
  envInteger,
  envList,
  envString,
  loadConfig,
  LoadConfigOptions,
  natsEnv,
  requiredInProduction,
  serviceEnv,
} from '@asb/config';

export const JWT_SECRET_MIN_LENGTH = 32;
export const ADMIN_PASSWORD_MIN_LENGTH = 12;

export const dashboardApiEnv = {
  ...serviceEnv(3000),
  ...natsEnv,
  ...databaseEnv,
  /** Built dashboard (dist/apps/dashboard) to serve at /; unset when the dashboard is served elsewhere. */
  DASHBOARD_STATIC_DIR: envString().optional(),
  /**
   * Signs the access tokens; every replica needs the same one. Required in production; in
   * development the service runs without it (health, metrics) but refuses every login and token.
   */
  DASHBOARD_JWT_SECRET: requiredInProduction(
    envString()
      .refine((value) => value.length >= JWT_SECRET_MIN_LENGTH, {
        message: `must be at least ${JWT_SECRET_MIN_LENGTH} characters`,
      })
      .optional(),
  ),
  /** Lifetime of an access token: one shift, so a supervisor logs in once a day. */
  DASHBOARD_JWT_TTL_MINUTES: envInteger({ min: 1, max: 7 * 24 * 60 }).default(480),
  /** Created at start as an admin when no user of that name exists (its password is then never reset). */
  DASHBOARD_ADMIN_USER: envString()
    .refine((value) => /^[a-z0-9_.@-]{1,64}$/.test(value), {
      message: 'must be 1-64 characters of a-z 0-9 _ . @ -',
    })
    .optional(),
  DASHBOARD_ADMIN_PASSWORD: envString()
    .refine((value) => value.length >= ADMIN_PASSWORD_MIN_LENGTH, {
      message: `must be at least ${ADMIN_PASSWORD_MIN_LENGTH} characters`,
    })
    .optional(),
  /**
   * The proxies in front of the service whose X-Forwarded-For is believed (Express's `trust proxy`:
   * addresses, CIDR ranges, or loopback, linklocal, uniquelocal). Unset, the client address is the
   * connection's, so behind a proxy every user shares the proxy's address.
   */
  DASHBOARD_TRUSTED_PROXIES: envList(envString())
    .refine(
      (proxies) => {
        try {
          proxyAddr.compile(proxies);
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must list addresses, CIDR ranges, loopback, linklocal or uniquelocal' },
    )
    .optional(),
  /** Login attempts allowed per client address within the window. */
  DASHBOARD_LOGIN_RATE_LIMIT: envInteger({ min: 1, max: 10_000 }).default(10),
  /** Login attempts allowed per user name, from any address, within the window. */
  DASHBOARD_LOGIN_USER_RATE_LIMIT: envInteger({ min: 1, max: 10_000 }).default(10),
  DASHBOARD_LOGIN_RATE_WINDOW_SECONDS: envInteger({ min: 1, max: 86_400 }).default(60),
  /**
   * How far back each replica replays the call events stream at start to rebuild its picture of
   * the calls in progress; calls that began earlier appear with their next event.
   */
  DASHBOARD_LIVE_REPLAY_MINUTES: envInteger({ min: 0, max: 24 * 60 }).default(120),
  /** A call with no event and no stream sample for this long is dropped from the live view. */
  DASHBOARD_LIVE_IDLE_MINUTES: envInteger({ min: 1, max: 7 * 24 * 60 }).default(240),
  /** Packet loss over the last sample interval at or above which a stream counts as degraded. */
  DASHBOARD_DEGRADED_LOSS_PERCENT: envInteger({ min: 0, max: 100 }).default(2),
  /** Interarrival jitter at or above which a stream counts as degraded. */
  DASHBOARD_DEGRADED_JITTER_MS: envInteger({ min: 1, max: 10_000 }).default(40),
  /**
   * A tapped stream of a live call that sent no sample for this long shows as stalled: its
   * gateway, which would say so itself, may be dead. The next sample clears it.
   */
  DASHBOARD_STALL_AFTER_MS: envInteger({ min: 500, max: 600_000 }).default(3000),
  /**
   * call-logger's RECORDINGS_DIR as mounted here, when it is mounted elsewhere than where
   * call-logger wrote it; unset, each recording is read from the path call-logger stored.
   */
  DASHBOARD_RECORDINGS_DIR: envString().optional(),
};

export type DashboardApiConfig = EnvOf<typeof dashboardApiEnv>;

/** Loads and cross-checks the settings (the admin user and password come together or not at all). */
export function loadDashboardApiConfig(options: LoadConfigOptions = {}): DashboardApiConfig {
  const config = loadConfig(dashboardApiEnv, options);
  if (Boolean(config.DASHBOARD_ADMIN_USER) !== Boolean(config.DASHBOARD_ADMIN_PASSWORD)) {
    const missing = config.DASHBOARD_ADMIN_USER
      ? 'DASHBOARD_ADMIN_PASSWORD'
      : 'DASHBOARD_ADMIN_USER';
    throw new ConfigError([
      { variable: missing, message: 'is required when the other initial admin setting is set' },
    ]);
  }
  return config;
}
