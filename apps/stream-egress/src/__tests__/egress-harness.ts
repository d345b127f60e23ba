import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { headers as natsHeaders } from 'nats';
import WebSocket, { WebSocketServer } from 'ws';
import {
  AudioTrack,
  audioFrameHeaderEntries,
  audioSubject,
  CallEvent,
  deterministicEventId,
  encodeCallEvent,
  ReplayMark,
  SCHEMA_VERSION,
  VicidialMetadata,
} from '@asb/contracts';
import { provisionCallEventsStream } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { eventually, freePort, PrivateNats, sleep, uniqueCallId } from '@asb/testing';
import { AppModule } from '../app/app.module';
import { LiveCallsRegistry } from '../calls/live-calls.registry';
import { loadStreamEgressConfig } from '../config/stream-egress.config';

/** Re-exported for the specs, which import their support from here. */
export { eventually, sleep, uniqueCallId };

/**
 * Test support: a private nats-server with the CALL_EVENTS stream, stream-egress apps built from
 * the real AppModule and listening on real HTTP, a call simulator that publishes call events on
 * JetStream and audio frames on core NATS as ari-ingest and media-gateway do, and WebSocket
 * backends that record what they receive.
 */

export class TestNats extends PrivateNats {
  static async start(): Promise<TestNats> {
    const [server, nc] = await PrivateNats.launch();
    await provisionCallEventsStream(await nc.jetstreamManager(), {
      CALL_EVENTS_MAX_AGE_HOURS: 1,
      CALL_EVENTS_MAX_BYTES: 64 * 1024 * 1024,
      CALL_EVENTS_MAX_MSGS: -1,
      CALL_EVENTS_REPLICAS: 1,
      CALL_EVENTS_DUPLICATE_WINDOW_SECONDS: 60,
    });
    return new TestNats(server, nc);
  }

  /** Every call event stored on the stream so far. */
  async events(): Promise<CallEvent[]> {
    const jsm = await this.nc.jetstreamManager();
    const info = await jsm.streams.info('CALL_EVENTS');
    const events: CallEvent[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq += 1) {
      const message = await jsm.streams.getMessage('CALL_EVENTS', { seq }).catch(() => undefined);
      if (message) events.push(JSON.parse(new TextDecoder().decode(message.data)) as CallEvent);
    }
    return events;
  }
}

export interface TestEgress {
  app: INestApplication;
  baseUrl: string;
  wsUrl: string;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Waits until this replica has heard of the call's tap_started (its events are JetStream's). */
  knows(callId: string): Promise<void>;
  /** Waits until the call is known to have ended (or is forgotten). */
  knowsEnded(callId: string): Promise<void>;
  close(): Promise<void>;
}

export async function startEgress(
  nats: TestNats,
  env: Record<string, string> = {},
): Promise<TestEgress> {
  const config = loadStreamEgressConfig({
    env: {
      NATS_SERVERS: nats.url,
      NATS_RECONNECT_WAIT_MS: '100',
      LOG_LEVEL: 'silent',
      EGRESS_RECONNECT_MIN_MS: '50',
      EGRESS_RECONNECT_MAX_MS: '200',
      EGRESS_CLAIM_LEASE_MS: '2000',
      ...env,
    },
  });
  const app = await NestFactory.create(AppModule.register(config), { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  await eventually(
    async () => (await fetch(`${baseUrl}/health/ready`)).status === 200,
    10_000,
    'stream-egress to be ready',
  );
  const registry = app.get(MetricsRegistry).registry;
  return {
    app,
    baseUrl,
    wsUrl: `ws://127.0.0.1:${port}`,
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      return values
        .filter((value) =>
          Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
        )
        .reduce((sum, value) => sum + value.value, 0);
    },
    knows: (callId) =>
      eventually(
        () => (app.get(LiveCallsRegistry).get(callId)?.taps.size ?? 0) > 0,
        10_000,
        `stream-egress to know ${callId}`,
      ),
    knowsEnded: (callId) =>
      eventually(
        () => app.get(LiveCallsRegistry).get(callId)?.ended ?? true,
        10_000,
        `stream-egress to know ${callId} ended`,
      ),
    close: () => app.close(),
  };
}

/** A call as ari-ingest and media-gateway publish it. */
export class TestCall {
  private readonly sequences = new Map<AudioTrack, number>();
  readonly vicidial: VicidialMetadata;
  /** Set before the call begins to make it a replayed call's. */
  replay?: ReplayMark;

  constructor(
    private readonly nats: TestNats,
    readonly callId = uniqueCallId(),
    vicidial: Partial<VicidialMetadata> = {},
    readonly callerNumber = '+15551230001',
    readonly calleeNumber = '8005550100',
  ) {
    this.vicidial = {
      callCode: 'V1124150300000012345',
      callType: 'V',
      leadId: 12345,
      campaign: 'SALES',
      campaignName: 'Outbound sales',
      listId: 101,
      agent: 'agent007',
      agentName: 'James Bond',
      ...vicidial,
    };
  }

  private base(event: string, ...idParts: Array<string | number>) {
    return {
      schemaVersion: SCHEMA_VERSION,
      eventId: deterministicEventId(this.callId, event, ...idParts),
      occurredAt: new Date().toISOString(),
      callId: this.callId,
      server: 'pbx1',
      asteriskId: '00:11:22:33:44:55',
      channelId: '1732451234.56',
      channelName: 'SIP/carrier-00000001',
      replay: this.replay,
    };
  }

  private async publish(event: CallEvent): Promise<void> {
    const { subject, data } = encodeCallEvent(event);
    await this.nats.nc.jetstream().publish(subject, data, { msgID: event.eventId });
  }

  async started(): Promise<void> {
    await this.publish({
      ...this.base('started'),
      event: 'started',
      direction: 'outbound',
      channelState: 'Up',
      callerNumber: this.callerNumber,
      calleeNumber: this.calleeNumber,
      callerName: this.vicidial.callCode,
      vicidial: this.vicidial,
    });
  }

  async tapStarted(track: AudioTrack, sampleRate: 8000 | 16000 = 8000): Promise<void> {
    this.sequences.set(track, 0);
    await this.publish({
      ...this.base('tap_started', track, Date.now()),
      event: 'tap_started',
      track,
      codec: sampleRate === 8000 ? 'ulaw' : 'slin16',
      sampleRate,
      gateway: { gatewayId: 'gw-test', host: '127.0.0.1', port: 40000 },
      snoopChannelId: `snoop-${track}`,
      externalMediaChannelId: `em-${track}`,
      bridgeId: `bridge-${track}`,
    });
  }

  /** The customer pressed a key: its dtmf event, with the key unless `digit` is undefined (masked). */
  async keyPressed(index: number, digit?: string): Promise<void> {
    await this.publish({
      ...this.base('dtmf', index),
      event: 'dtmf',
      track: 'caller',
      ...(digit === undefined ? {} : { digit }),
      masked: digit === undefined,
      durationMs: 120,
      index,
    });
  }

  async ended(): Promise<void> {
    await this.publish({
      ...this.base('ended'),
      event: 'ended',
      cause: 16,
      causeText: 'Normal Clearing',
    });
  }

  /** Starts the call with taps on these tracks and waits until the events are stored. */
  async begin(tracks: AudioTrack[] = ['caller', 'agent'], sampleRate: 8000 | 16000 = 8000) {
    await this.started();
    for (const track of tracks) await this.tapStarted(track, sampleRate);
    return this;
  }

  /** Publishes one 20 ms frame of `samples` on the track (sequence and timestamp as the gateway's). */
  frame(track: AudioTrack, samples: Int16Array, sampleRate: 8000 | 16000 = 8000): void {
    const sequence = this.sequences.get(track) ?? 0;
    this.sequences.set(track, sequence + 1);
    const h = natsHeaders();
    for (const [name, value] of audioFrameHeaderEntries({
      sequence,
      timestamp: sequence * samples.length,
      sampleRate,
      codec: sampleRate === 8000 ? 'ulaw' : 'slin16',
      frameMs: (samples.length * 1000) / sampleRate,
    })) {
      h.set(name, value);
    }
    this.nats.nc.publish(audioSubject(this.callId, track), new Uint8Array(samples.buffer), {
      headers: h,
    });
  }
}

/** Frame `index` of a test signal: a tone whose pitch differs per track, so tracks are told apart. */
export function toneFrame(index: number, track: AudioTrack, sampleRate = 8000): Int16Array {
  const count = sampleRate / 50;
  const frequency = track === 'agent' ? 620 : 330;
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i += 1) {
    const t = (index * count + i) / sampleRate;
    samples[i] = Math.round(9000 * Math.sin(2 * Math.PI * frequency * t));
  }
  return samples;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed protocol message, checked field by field
export type Json = Record<string, any>;

export interface BackendMessage {
  text?: string;
  json?: Json;
  binary?: Buffer;
}

export interface BackendSession {
  headers: IncomingHttpHeaders;
  url: string;
  protocol: string;
  messages: BackendMessage[];
  closed?: { code: number; reason: string };
  ws: WebSocket;
  /** The raw socket (a test may pause it to play a slow backend). */
  socket: import('node:stream').Duplex;
}

/** A WebSocket backend that records every connection and message. */
export class TestBackend {
  readonly sessions: BackendSession[] = [];
  private constructor(
    private readonly server: WebSocketServer,
    readonly port: number,
  ) {}

  static async start(
    options: {
      handleProtocols?: (protocols: Set<string>) => string | false;
      verifyClient?: (headers: IncomingHttpHeaders) => boolean;
    } = {},
  ): Promise<TestBackend> {
    const port = await freePort();
    const server = new WebSocketServer({
      port,
      host: '127.0.0.1',
      handleProtocols: options.handleProtocols,
      verifyClient: options.verifyClient
        ? (info, done) => done(options.verifyClient?.(info.req.headers) ?? true, 401)
        : undefined,
    });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const backend = new TestBackend(server, port);
    server.on('connection', (ws, request) => {
      const session: BackendSession = {
        headers: request.headers,
        url: request.url ?? '/',
        protocol: ws.protocol,
        messages: [],
        ws,
        socket: request.socket,
      };
      backend.sessions.push(session);
      ws.on('message', (data: Buffer, isBinary) => {
        if (isBinary) session.messages.push({ binary: Buffer.from(data) });
        else {
          const text = data.toString('utf8');
          session.messages.push({ text, json: JSON.parse(text) as Json });
        }
      });
      ws.on('close', (code, reason) => {
        session.closed = { code, reason: reason.toString() };
      });
    });
    return backend;
  }

  url(path = '/stream'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** u-law decoding as a backend does it (ITU-T G.711), independent of @asb/rtp. */
export function ulawToPcm(byte: number): number {
  const code = ~byte & 0xff;
  const exponent = (code >> 4) & 0x07;
  const magnitude = ((((code & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return code & 0x80 ? -magnitude : magnitude;
}
