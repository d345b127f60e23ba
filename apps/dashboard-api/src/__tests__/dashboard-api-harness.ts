import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DataSource } from 'typeorm';
import {
  CALL_RECORD_ENTITIES,
  CALL_RECORD_MIGRATIONS,
  CALL_RECORDS_MIGRATIONS_TABLE,
} from '@asb/call-records';
import { io, Socket } from 'socket.io-client';
import { callEventsStreamEnv, loadConfig } from '@asb/config';
import {
  CallEvent,
  encodeCallEvent,
  randomEventId,
  SCHEMA_VERSION,
  STREAM_STATS_MAX_BYTES,
  statsSubject,
  StreamStats,
  streamStatsSchema,
} from '@asb/contracts';
import { DatabaseConnector } from '@asb/database';
import { provisionCallEventsStream, publishJson } from '@asb/nats';
import {
  eventually,
  freePort,
  freshDatabase,
  PrivateNats,
  sleep,
  uniqueCallId,
} from '@asb/testing';
import { AppModule } from '../app/app.module';
import { configureApp } from '../app/configure-app';
import { loadDashboardApiConfig } from '../config/dashboard-api.config';
import { CallEventFeed } from '../live/call-event-feed.service';
import { LIVE_NAMESPACE } from '../realtime/live-namespace.constant';
import { InitialAdminService } from '../users/initial-admin.service';

/** Re-exported for the specs, which import their support from here. */
export { eventually, freshDatabase, sleep, uniqueCallId };

/**
 * Test support: a private nats-server with the call events stream, a fresh database per spec
 * file, and dashboard-api built from its real AppModule listening on a free port, so tests
 * speak HTTP and socket.io to it exactly as the dashboard does.
 */

/** A fresh signing key per test run: nothing secret-looking lives in the repository. */
export const TEST_JWT_SECRET = randomBytes(32).toString('base64url');
export const ADMIN = { username: 'root', password: 'correct horse battery' };

/** Creates the call records schema as call-logger does, for tests that read call records. */
export async function createCallRecordTables(databaseUrl: string): Promise<void> {
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrl,
    entities: CALL_RECORD_ENTITIES,
    migrations: CALL_RECORD_MIGRATIONS,
    migrationsTableName: CALL_RECORDS_MIGRATIONS_TABLE,
  });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

export class TestNats extends PrivateNats {
  static async start(): Promise<TestNats> {
    const [server, nc] = await PrivateNats.launch();
    await provisionCallEventsStream(
      await nc.jetstreamManager(),
      loadConfig(callEventsStreamEnv, { env: {} }),
    );
    return new TestNats(server, nc);
  }

  async publishEvent(event: CallEvent): Promise<void> {
    const { subject, data } = encodeCallEvent(event);
    await this.nc.jetstream().publish(subject, data, { msgID: event.eventId });
  }

  publishStats(stats: StreamStats): void {
    publishJson(
      this.nc,
      statsSubject(stats.callId, stats.track),
      streamStatsSchema,
      stats,
      STREAM_STATS_MAX_BYTES,
    );
  }
}

/** Builders of valid contract messages for a synthetic call. */
export class SyntheticCall {
  constructor(
    readonly callId = uniqueCallId(),
    readonly vicidial = {
      callCode: 'V1124150300000012345',
      callType: 'V',
      leadId: 12345,
      campaign: 'SALES',
      agent: 'agent007',
    },
  ) {}

  private base(at: Date) {
    return {
      schemaVersion: SCHEMA_VERSION,
      eventId: randomEventId(),
      occurredAt: at.toISOString(),
      callId: this.callId,
      server: 'pbx1',
      channelId: '1732451234.56',
      channelName: 'SIP/trunk-00000001',
    };
  }

  started(at = new Date()): CallEvent {
    return {
      ...this.base(at),
      event: 'started',
      direction: 'outbound',
      channelState: 'Ring',
      callerNumber: '5551234567',
      calleeNumber: '5557654321',
      vicidial: this.vicidial,
    };
  }

  answered(at = new Date()): CallEvent {
    return { ...this.base(at), event: 'answered', vicidial: this.vicidial };
  }

  disposition(status: string, at = new Date()): CallEvent {
    return { ...this.base(at), event: 'disposition', vicidial: { ...this.vicidial, status } };
  }

  tapStarted(track: 'caller' | 'agent', at = new Date()): CallEvent {
    return {
      ...this.base(at),
      event: 'tap_started',
      track,
      codec: 'ulaw',
      sampleRate: 8000,
      gateway: { gatewayId: 'gw1', host: '127.0.0.1', port: 40000 },
      snoopChannelId: `asb-s-${this.callId}-${track}`,
      externalMediaChannelId: `asb-e-${this.callId}-${track}`,
      bridgeId: `asb-b-${this.callId}-${track}`,
    };
  }

  tapStopped(track: 'caller' | 'agent', at = new Date()): CallEvent {
    return { ...this.base(at), event: 'tap_stopped', track, reason: 'call_ended' };
  }

  ended(at = new Date()): CallEvent {
    return { ...this.base(at), event: 'ended', cause: 16, causeText: 'Normal Clearing' };
  }

  audioVerdict(
    verdict: 'one_way_audio' | 'clipping',
    state: 'raised' | 'cleared',
    track: 'caller' | 'agent',
    at = new Date(),
  ): CallEvent {
    const since = at.toISOString();
    return {
      ...this.base(at),
      event: 'audio_verdict',
      verdict,
      state,
      track,
      since,
      detail: verdict,
    };
  }

  talkSummary(at = new Date()): CallEvent {
    return {
      ...this.base(at),
      event: 'talk_summary',
      heardS: 10,
      customerTalkS: 5,
      agentTalkS: 4,
      overlapS: 0.5,
      longestSilenceS: 1,
    };
  }

  stats(track: 'caller' | 'agent', fields: Partial<StreamStats> = {}): StreamStats {
    return {
      schemaVersion: SCHEMA_VERSION,
      callId: this.callId,
      track,
      gatewayId: 'gw1',
      codec: 'ulaw',
      sampleRate: 8000,
      sampledAt: new Date().toISOString(),
      packets: 50,
      bytes: 8000,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      late: 0,
      rejected: 0,
      jitterMs: 1.5,
      lastPacketAgeMs: 20,
      levelDbfs: -20,
      stalled: false,
      ...fields,
    };
  }
}

export interface TestApi {
  app: INestApplication;
  baseUrl: string;
  close(): Promise<void>;
  /** fetch with an optional bearer token; JSON bodies are encoded. */
  request(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  login(username: string, password: string): Promise<string>;
  socket(token?: string): Socket;
}

export async function startApi(
  nats: TestNats,
  databaseUrl: string,
  env: Record<string, string | undefined> = {},
  { waitForDatabase = true } = {},
): Promise<TestApi> {
  const port = await freePort();
  const config = loadDashboardApiConfig({
    env: {
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: String(port),
      NATS_SERVERS: nats.url,
      NATS_RECONNECT_WAIT_MS: '100',
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'silent',
      DASHBOARD_JWT_SECRET: TEST_JWT_SECRET,
      DASHBOARD_ADMIN_USER: ADMIN.username,
      DASHBOARD_ADMIN_PASSWORD: ADMIN.password,
      DASHBOARD_LOGIN_RATE_LIMIT: '1000',
      ...env,
    },
  });
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config), {
    logger: false,
  });
  configureApp(app, config);
  await app.listen(port, '127.0.0.1');
  if (waitForDatabase) {
    await app.get(DatabaseConnector).ready;
    await app.get(InitialAdminService).done;
  }
  await app.get(CallEventFeed).caughtUp;
  const baseUrl = `http://127.0.0.1:${port}`;
  const sockets: Socket[] = [];
  const api: TestApi = {
    app,
    baseUrl,
    async close() {
      sockets.forEach((socket) => socket.disconnect());
      await app.close();
    },
    request(method, path, options = {}) {
      return fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
    },
    async login(username, password) {
      const response = await api.request('POST', '/api/v1/auth/login', {
        body: { username, password },
      });
      if (response.status !== 200)
        throw new Error(`login failed: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { accessToken: string }).accessToken;
    },
    socket(token) {
      const socket = io(`${baseUrl}${LIVE_NAMESPACE}`, {
        transports: ['websocket'],
        auth: token === undefined ? {} : { token },
        reconnection: false,
        forceNew: true,
      });
      sockets.push(socket);
      return socket;
    },
  };
  return api;
}
