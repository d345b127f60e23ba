import { readFileSync } from 'node:fs';
import { ConnectionOptions, credsAuthenticator } from 'nats';
import type { NatsEnv } from '@asb/config';

/**
 * Connection options every service uses: reconnect forever (jittered) once connected, and take
 * credentials and TLS material from mounted files. NatsClient retries the first connection.
 */
export function natsConnectionOptions(env: NatsEnv, name: string): ConnectionOptions {
  const tlsFiles = env.NATS_TLS_CA_FILE || env.NATS_TLS_CERT_FILE || env.NATS_TLS_KEY_FILE;
  return {
    name,
    servers: env.NATS_SERVERS,
    user: env.NATS_USER,
    pass: env.NATS_PASSWORD,
    token: env.NATS_TOKEN,
    authenticator: env.NATS_CREDS_FILE
      ? credsAuthenticator(readFileSync(env.NATS_CREDS_FILE))
      : undefined,
    tls:
      env.NATS_TLS || tlsFiles
        ? {
            caFile: env.NATS_TLS_CA_FILE,
            certFile: env.NATS_TLS_CERT_FILE,
            keyFile: env.NATS_TLS_KEY_FILE,
          }
        : undefined,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: env.NATS_RECONNECT_WAIT_MS,
    reconnectJitter: Math.round(env.NATS_RECONNECT_WAIT_MS / 2),
    pingInterval: 20_000,
    maxPingOut: 3,
  };
}
