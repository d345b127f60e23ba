import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, headers, NatsConnection } from 'nats';
import { Client } from 'pg';
import {
  AudioFrameMeta,
  audioFrameHeaderEntries,
  audioSubject,
  AudioTrack,
  CallEvent,
  encodeCallEvent,
  SCHEMA_VERSION,
  statsSubject,
  StreamStats,
} from '@asb/contracts';
import { ReadinessRegistry } from '@asb/observability';
import {
  dropDatabase,
  eventually,
  freePort,
  freshDatabase,
  NatsTestServer,
  sleep,
  uniqueCallId,
} from '@asb/testing';
import { AppModule } from '../app/app.module';
import { loadCallLoggerConfig } from '../config/call-logger.config';

/** Re-exported for the specs, which import their support from here. */
export { dropDatabase, eventually, freshDatabase, sleep, uniqueCallId };

/**
 * Test support: call-logger built from its real AppModule against a real NATS (a private server
 * per spec, so the durable consumer sees only the spec's events) and a real PostgreSQL database
 * of its own, plus builders of contract-valid events, frames and stats samples.
 */

/** Builds the events of one call, each with a fresh eventId, at the times given (ms since epoch). */
export class CallScript {
  constructor(
    readonly callId = uniqueCallId(),
    readonly server = 'pbx1',
  ) {}

  private base(at: number) {
    return {
      schemaVersion: SCHEMA_VERSION,
      eventId: randomUUID(),
      occurredAt: new Date(at).toISOString(),
      callId: this.callId,
      server: this.server,
      asteriskId: '00:11:22:33:44:55',
      channelId: '1732451234.56',
      channelName: 'SIP/carrier-0000001',
    };
  }

  private parties() {
    return {
      callerNumber: '3125550101',
      calleeNumber: '8005550100',
      callerName: 'V1124150300000012345',
      vicidial: {
        callCode: 'V1124150300000012345',
        callType: 'V',
        leadId: 12345,
        campaign: 'SALES',
        agent: '6001',
      },
    };
  }

  started(at: number): CallEvent {
    return {
      ...this.base(at),
      event: 'started',
      direction: 'outbound',
      channelState: 'Ring',
      context: 'default',
      exten: '93125550101',
      callerNumber: '3125550101',
    };
  }

  answered(at: number): CallEvent {
    return { ...this.base(at), event: 'answered', ...this.parties() };
  }

  tapStarted(track: AudioTrack, at: number, sampleRate: 8000 | 16000 = 8000): CallEvent {
    return {
      ...this.base(at),
      event: 'tap_started',
      track,
      codec: 'ulaw',
      sampleRate,
      gateway: { gatewayId: 'gw-test', host: '127.0.0.1', port: 40000 },
      snoopChannelId: `asb-s-${this.callId}-${track}`,
      externalMediaChannelId: `asb-e-${this.callId}-${track}`,
      bridgeId: `asb-b-${this.callId}-${track}`,
    };
  }

  tapStopped(track: AudioTrack, at: number): CallEvent {
    return { ...this.base(at), event: 'tap_stopped', track, reason: 'call_ended' };
  }

  egressStarted(streamId: string, at: number): CallEvent {
    return {
      ...this.base(at),
      event: 'egress_started',
      direction: 'outbound',
      target: 'wss://ai.example.com/listen',
      format: 'twilio',
      streamId,
      tracks: ['caller', 'agent'],
    };
  }

  egressStopped(streamId: string, at: number): CallEvent {
    return {
      ...this.base(at),
      event: 'egress_stopped',
      direction: 'outbound',
      target: 'wss://ai.example.com/listen',
      format: 'twilio',
      streamId,
      reason: 'call_ended',
      framesSent: 250,
      framesDropped: 2,
      reconnects: 1,
    };
  }

  ended(at: number, cause = 16): CallEvent {
    return { ...this.base(at), event: 'ended', cause, causeText: 'Normal Clearing' };
  }

  /** An end found by reconciliation at `at`: the call was last known up at `lastSeenAt`. */
  endFound(at: number, lastSeenAt?: number): CallEvent {
    return {
      ...this.base(at),
      event: 'ended',
      cause: 0,
      causeText: 'Unknown',
      reconciled: true,
      lastSeenAt: lastSeenAt === undefined ? undefined : new Date(lastSeenAt).toISOString(),
    };
  }

  /** What VICIdial's database said of the call while it ran. */
  enriched(at: number): CallEvent {
    const { vicidial, ...parties } = this.parties();
    return {
      ...this.base(at),
      event: 'updated',
      ...parties,
      vicidial: {
        ...vicidial,
        campaignName: 'Outbound sales',
        listId: 101,
        agentName: 'Ada Agent',
        agentPhone: 'SIP/6001',
        conference: '9600051',
      },
    };
  }

  /** VICIdial's log after the call: the agent's disposition. */
  disposition(at: number, status: string): CallEvent {
    return {
      ...this.base(at),
      event: 'disposition',
      vicidial: { ...this.parties().vicidial, status, termReason: 'AGENT' },
    };
  }

  /** ari-ingest raised (or cleared) a verdict on the call's audio. */
  audioVerdict(
    at: number,
    verdict: 'one_way_audio' | 'silent_track' | 'suspect_format' | 'clipping',
    state: 'raised' | 'cleared',
    track: AudioTrack = 'agent',
  ): CallEvent {
    return {
      ...this.base(at),
      event: 'audio_verdict',
      verdict,
      state,
      track,
      since: new Date(at).toISOString(),
      detail: `${verdict} ${state}`,
    };
  }

  /** The talk time ari-ingest counted once the call ended. */
  talkSummary(at: number): CallEvent {
    return {
      ...this.base(at),
      event: 'talk_summary',
      heardS: 58.2,
      customerTalkS: 30.5,
      agentTalkS: 20.1,
      overlapS: 1.5,
      longestSilenceS: 3.2,
    };
  }

  /** A whole answered and tapped call: started at `at`, answered after 1 s, ended after `talkMs`. */
  fullCall(at: number, talkMs = 5000): CallEvent[] {
    return [
      this.started(at),
      this.answered(at + 1000),
      this.tapStarted('caller', at + 1100),
      this.tapStarted('agent', at + 1150),
      this.tapStopped('caller', at + 1000 + talkMs - 50),
      this.tapStopped('agent', at + 1000 + talkMs - 40),
      this.ended(at + 1000 + talkMs),
    ];
  }
}

export function statsSample(
  callId: string,
  track: AudioTrack,
  sampledAt: number,
  overrides: Partial<StreamStats> = {},
): StreamStats {
  return {
    schemaVersion: SCHEMA_VERSION,
    callId,
    track,
    gatewayId: 'gw-test',
    codec: 'ulaw',
    sampleRate: 8000,
    sampledAt: new Date(sampledAt).toISOString(),
    packets: 50,
    bytes: 8000,
    lost: 0,
    duplicates: 0,
    reordered: 0,
    late: 0,
    rejected: 0,
    jitterMs: 1.5,
    lastPacketAgeMs: 20,
    levelDbfs: -30,
    stalled: false,
    ...overrides,
  };
}

export interface LoggerAppOptions {
  natsUrl: string;
  databaseUrl: string;
  env?: Record<string, string>;
}

/** call-logger in this process, as main.ts starts it, without the HTTP listener. */
export async function startLogger(options: LoggerAppOptions): Promise<INestApplication> {
  const config = loadCallLoggerConfig({
    env: {
      NATS_SERVERS: options.natsUrl,
      DATABASE_URL: options.databaseUrl,
      LOG_LEVEL: 'silent',
      NATS_RECONNECT_WAIT_MS: '200',
      ...options.env,
    },
  });
  const app = await NestFactory.create(AppModule.register(config), { logger: false });
  await app.init();
  return app;
}

/** The readiness checks as /health/ready reports them. */
export async function readiness(app: INestApplication): Promise<Record<string, boolean>> {
  const entries = app.get(ReadinessRegistry).entries();
  const results = await Promise.all(
    entries.map(async ([name, check]) => {
      try {
        return [name, (await check()).up] as const;
      } catch {
        return [name, false] as const;
      }
    }),
  );
  return Object.fromEntries(results);
}

/** A publisher of what the bridge publishes: call events on JetStream, frames and stats on core NATS. */
export class BridgeTraffic {
  private constructor(readonly nc: NatsConnection) {}

  static async connect(url: string): Promise<BridgeTraffic> {
    return new BridgeTraffic(await connect({ servers: url }));
  }

  /** Publishes with the eventId as Nats-Msg-Id, as ari-ingest does (or `msgId`, to get past de-duplication). */
  async event(event: CallEvent, msgId = event.eventId): Promise<void> {
    const { subject, data } = encodeCallEvent(event);
    await this.nc.jetstream().publish(subject, data, { msgID: msgId });
  }

  async raw(subject: string, data: Uint8Array | string): Promise<void> {
    await this.nc
      .jetstream()
      .publish(subject, typeof data === 'string' ? new TextEncoder().encode(data) : data);
  }

  frame(
    callId: string,
    track: AudioTrack,
    sequence: number,
    timestamp: number,
    samples: Int16Array,
    run: Pick<AudioFrameMeta, 'capturedAt' | 'runId'> = {},
  ): void {
    const h = headers();
    for (const [name, value] of audioFrameHeaderEntries({
      sequence,
      timestamp,
      sampleRate: 8000,
      codec: 'ulaw',
      frameMs: (samples.length * 1000) / 8000,
      ...run,
    })) {
      h.set(name, value);
    }
    this.nc.publish(
      audioSubject(callId, track),
      Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength),
      {
        headers: h,
      },
    );
  }

  stats(sample: StreamStats): void {
    this.nc.publish(statsSubject(sample.callId, sample.track), JSON.stringify(sample));
  }

  async flush(): Promise<void> {
    await this.nc.flush();
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** A client on the logger's database for assertions. */
export async function databaseClient(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/**
 * call-logger on a private nats-server and a fresh database, ready, with a publisher of the
 * bridge's traffic and a client on the database; `stop` removes all of it.
 */
export class LoggerTestBed {
  private constructor(
    readonly nats: NatsTestServer,
    readonly app: INestApplication,
    readonly bridge: BridgeTraffic,
    readonly db: Client,
    private readonly database: string,
  ) {}

  static async start(database: string, env: Record<string, string> = {}): Promise<LoggerTestBed> {
    const nats = new NatsTestServer(await freePort());
    await nats.start();
    const databaseUrl = await freshDatabase(database);
    const app = await startLogger({ natsUrl: nats.url, databaseUrl, env });
    const bed = new LoggerTestBed(
      nats,
      app,
      await BridgeTraffic.connect(nats.url),
      await databaseClient(databaseUrl),
      database,
    );
    await eventually(
      async () => Object.values(await readiness(app)).every(Boolean),
      20_000,
      'readiness',
    );
    return bed;
  }

  async stop(): Promise<void> {
    await this.bridge.close();
    await this.app.close();
    await this.db.end();
    await this.nats.dispose();
    await dropDatabase(this.database);
  }
}
