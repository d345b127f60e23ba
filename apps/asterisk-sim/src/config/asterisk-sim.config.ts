import { z } from 'zod';
import {
  EnvOf,
  envEnum,
  envInteger,
  envList,
  envPort,
  envString,
  envUrl,
  serviceEnv,
} from '@asb/config';

/** `name:port` of one simulated Asterisk server. */
const serverEntry = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}:\d{1,5}$/, 'must be name:port, e.g. pbx1:8088')
  .transform((entry) => {
    const [name, port] = entry.split(':');
    return { name, port: Number(port) };
  });

export const asteriskSimEnv = {
  // The control API, health and metrics; each simulated Asterisk serves ARI on its own port.
  ...serviceEnv(8090),
  /** The simulated Asterisk servers, as name:port (8088 is Asterisk's own HTTP port). */
  SIM_SERVERS: envList(serverEntry).default([{ name: 'pbx1', port: 8088 }]),
  SIM_ARI_USER: envString().default('asterisk'),
  /** ARI password of every simulated server (and of the control API); no default on purpose. */
  SIM_ARI_PASSWORD: envString(),
  /** Address ARI listens on and RTP is sent from (UNICASTRTP_LOCAL_ADDRESS). */
  SIM_BIND_HOST: envString().default('127.0.0.1'),
  SIM_RTP_PORT_MIN: envPort().default(20000),
  SIM_RTP_PORT_MAX: envPort().default(29999),
  /**
   * Threads sending RTP. One is enough for ~1,000 dual-track calls; each more takes another core
   * and its own slice of the port range.
   */
  SIM_RTP_THREADS: envInteger({ min: 1, max: 64 }).default(1),
  /** Asterisk's websocket_write_timeout: a slower events reader is dropped. */
  SIM_WS_WRITE_TIMEOUT_MS: envInteger({ min: 10, max: 60_000 }).default(100),
  /** Asterisk's http.conf `sessionlimit`: connections beyond it are closed unanswered. */
  SIM_HTTP_SESSION_LIMIT: envInteger({ min: 1, max: 100_000 }).default(100),
  /** Asterisk's http.conf `session_keep_alive`: idle keep-alive connections close after it. */
  SIM_HTTP_KEEP_ALIVE_MS: envInteger({ min: 100, max: 3_600_000 }).default(15_000),
  /** VICIdial call code layout: legacy = V + mmddhhmmss + 9-digit lead, current = V + mddhhmmss + 10-digit lead. */
  SIM_CALL_CODE_LAYOUT: envEnum(['legacy', 'current'] as const).default('legacy'),
  SIM_FIXTURES_DIR: envString().optional(),
  /**
   * A database the simulator keeps as VICIdial keeps its own (`mysql://root@127.0.0.1:3306/vicidial_sim`):
   * the tables are created if missing, then agents, live calls, leads and logs are written as
   * scenarios run. Never point it at a real VICIdial's database.
   */
  SIM_VICIDIAL_DB_URL: envUrl(['mysql']).optional(),
  /** The version the servers state (/asterisk/info): ViciBox 12's Asterisk 18 by default. */
  SIM_ASTERISK_VERSION: envString()
    .refine((value) => /^[\w.-]{1,64}$/.test(value), 'must be a version such as 18.26.4-vici')
    .default('18.26.4-vici'),
  /** Modules the servers report as not loaded (/asterisk/modules), e.g. chan_rtp.so. */
  SIM_ASTERISK_MODULES_MISSING: envList(envString()).optional(),
  /** asterisk.conf `systemname`: when set, every uniqueid (channel id) is `<systemname>-<epoch>.<n>`. */
  SIM_SYSTEM_NAME: envString()
    .refine(
      (value) => !/\s/.test(value) && value.length <= 64,
      'must be 1-64 characters, no spaces',
    )
    .optional(),
};

export type AsteriskSimConfig = EnvOf<typeof asteriskSimEnv>;
