import { isIPv4 } from 'node:net';
import { hostname } from 'node:os';
import {
  ConfigError,
  EnvOf,
  envBoolean,
  envInteger,
  envString,
  loadConfig,
  LoadConfigOptions,
  natsEnv,
  serviceEnv,
} from '@asb/config';
import { RECENT_AUDIO_MAX_SECONDS } from '@asb/contracts';

/** Sockets are udp4, and Asterisk's externalMedia refuses host names: addresses must be IPv4. */
const envIpv4 = () => envString().refine((value) => isIPv4(value), 'must be an IPv4 address');

/** "Every interface": fine to bind to, useless to advertise. */
const WILDCARD_HOST = '0.0.0.0';
const LOOPBACK_HOST = '127.0.0.1';

export const mediaGatewayEnv = {
  ...serviceEnv(3002),
  ...natsEnv,
  /** Names this instance in allocations and stats; the pod name on Kubernetes. */
  GATEWAY_ID: envString()
    .refine((value) => value.length <= 64, 'must be at most 64 characters')
    .default(hostname().slice(0, 64)),
  /** Local address the RTP sockets bind to. */
  GATEWAY_BIND_HOST: envIpv4().default(WILDCARD_HOST),
  /** Address Asterisk sends RTP to; defaults to the bind address, or loopback if that is a wildcard. */
  GATEWAY_ADVERTISED_HOST: envIpv4().optional(),
  GATEWAY_PORT_MIN: envInteger({ min: 1, max: 65535 }).default(40000),
  GATEWAY_PORT_MAX: envInteger({ min: 1, max: 65535 }).default(44999),
  /**
   * Packets held back to put reordered ones in place, 0 to publish in arrival order. Stays well
   * under the 100 packets behind which the sequence tracker calls a packet stale.
   */
  GATEWAY_REORDER_WINDOW: envInteger({ min: 0, max: 50 }).default(3),
  /**
   * How long packets may wait behind a missing one before it is given up, so a stream that pauses
   * or ends behind a gap still delivers its last frames. Unset: two frames more than the window
   * holds (100 ms for 20 ms frames and a window of 3), which adds no delay a consumer would notice.
   */
  GATEWAY_REORDER_MAX_HOLD_MS: envInteger({ min: 1, max: 10_000 }).optional(),
  /** An allocation that receives nothing for this long is released (its ari-ingest may be gone). */
  GATEWAY_IDLE_TIMEOUT_MS: envInteger({ min: 100, max: 24 * 3600 * 1000 }).default(60_000),
  /**
   * Frames are dropped (and counted) rather than queued while NATS is further behind than this:
   * a live consumer has no use for late audio, and a queue without bound ends the process.
   */
  GATEWAY_MAX_PUBLISH_LAG_MS: envInteger({ min: 20, max: 60_000 }).default(250),
  GATEWAY_STATS_INTERVAL_MS: envInteger({ min: 100, max: 60_000 }).default(1000),
  /**
   * Speech activity, clipping and format checks on every decoded frame, reported in the stats
   * (see the rtp-receive benchmark for its cost). Off only to measure that cost.
   */
  GATEWAY_AUDIO_ANALYSIS: envBoolean().default(true),
  /**
   * How often this gateway announces itself on media.v1.heartbeat. Listeners take a gateway silent
   * for a few beats as lost, so a longer beat means audio comes back later after a crash.
   */
  GATEWAY_HEARTBEAT_INTERVAL_MS: envInteger({ min: 50, max: 60_000 }).default(250),
  /**
   * How long a stream's sender must have been silent before packets from another may take the
   * stream over. A port can be latched by mistake to a stream nobody allocated it for (a channel
   * of a dead gateway process's tap, still sending to the port this process handed out again);
   * once that stream stops, the one meant for the port must not be locked out for the rest of the
   * call. Asterisk sends 50 packets a second: a silence of 500 ms is no pause of its own.
   */
  GATEWAY_RELATCH_AFTER_MS: envInteger({ min: 100, max: 60_000 }).default(500),
  /**
   * SO_RCVBUF of each RTP socket; Linux caps it at net.core.rmem_max. It also bounds how stale
   * audio gets when the gateway falls behind: 32 KiB holds about 1.6 s of one u-law stream
   * (measured: 78 packets), 1 MiB about 50 s, which a live consumer can only discard.
   */
  GATEWAY_UDP_RECV_BUFFER_BYTES: envInteger({ min: 4096, max: 256 * 1024 * 1024 }).default(
    32 * 1024,
  ),
  /**
   * The TCP port this gateway takes AudioSocket connections on (externalMedia with
   * encapsulation=audiosocket: Asterisk connects out to it); unset, it takes none. Every gateway
   * pod listens on the same port behind one Service.
   */
  GATEWAY_AUDIOSOCKET_PORT: envInteger({ min: 1, max: 65535 }).optional(),
  /** A connection that has not named its tap (the UUID message) within this long is closed. */
  GATEWAY_AUDIOSOCKET_HELLO_TIMEOUT_MS: envInteger({ min: 100, max: 60_000 }).default(2000),
  /** Connections held at once; further ones are refused by the kernel's accept queue. */
  GATEWAY_AUDIOSOCKET_MAX_CONNECTIONS: envInteger({ min: 1, max: 100_000 }).default(5000),
  /**
   * How often the kernel's drop counts of the RTP sockets are read (media_gateway_udp_kernel_drops_total):
   * /proc/net/udp lists every socket, and at thousands of them its parsing holds the event loop
   * for milliseconds, so not with every stats sample.
   */
  GATEWAY_KERNEL_DROPS_INTERVAL_MS: envInteger({ min: 100, max: 600_000 }).default(5000),
  /**
   * Seconds of each tapped track held in memory for consumers that join a call late
   * (recent-audio.v1), 0 for none. Fixed memory per track: 16 KB a second at 8 kHz.
   */
  GATEWAY_RECENT_AUDIO_SECONDS: envInteger({ min: 0, max: RECENT_AUDIO_MAX_SECONDS }).default(10),
};

export type MediaGatewayConfig = Omit<EnvOf<typeof mediaGatewayEnv>, 'GATEWAY_ADVERTISED_HOST'> & {
  GATEWAY_ADVERTISED_HOST: string;
};

/** loadConfig plus the checks that involve more than one variable. */
export function loadMediaGatewayConfig(options?: LoadConfigOptions): MediaGatewayConfig {
  const env = loadConfig(mediaGatewayEnv, options);
  if (env.GATEWAY_PORT_MIN > env.GATEWAY_PORT_MAX) {
    throw new ConfigError([
      {
        variable: 'GATEWAY_PORT_MIN',
        message: `must not exceed GATEWAY_PORT_MAX (${env.GATEWAY_PORT_MIN} > ${env.GATEWAY_PORT_MAX})`,
      },
    ]);
  }
  const advertised =
    env.GATEWAY_ADVERTISED_HOST ??
    (env.GATEWAY_BIND_HOST === WILDCARD_HOST ? LOOPBACK_HOST : env.GATEWAY_BIND_HOST);
  return { ...env, GATEWAY_ADVERTISED_HOST: advertised };
}
