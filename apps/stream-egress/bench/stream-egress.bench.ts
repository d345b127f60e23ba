/**
 * What stream-egress costs and how much latency it adds, at 1,000 concurrent calls. Synthetic
 * 20 ms frames of every call's tracks are published on a private nats-server by a publisher
 * process (frame-publisher.cjs), as media-gateways would; the service under test runs in this
 * process and streams every call to WebSocket backends in another process (ws-backend.cjs), which
 * measures each message's latency from the send time its audio carries. Variants, on the same
 * traffic:
 *
 * - stream-egress, twilio format (both tracks, u-law, JSON + base64)
 * - stream-egress, jambonz format (stereo 8 kHz: both tracks paired into one binary frame)
 * - baseline: a bare NATS-to-WebSocket forwarder (one wildcard subscription, every frame sent as
 *   is to its call's WebSocket): the floor of nats.js + ws for this traffic
 *
 * This process's CPU time per frame taken from NATS and the latency percentiles are compared
 * with the baseline's as ratios. nats-server, the publisher and the backends share the machine.
 *
 *   npx nx run stream-egress:bench   (BENCH_CALLS=250,1000; BENCH_TRACKS=1,2; BENCH_SECONDS=5;
 *                                     BENCH_VARIANTS=twilio,jambonz,baseline)
 */
import { ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, NatsConnection } from 'nats';
import WebSocket from 'ws';
import {
  AudioTrack,
  CallEvent,
  deterministicEventId,
  encodeCallEvent,
  SCHEMA_VERSION,
} from '@asb/contracts';
import { provisionCallEventsStream } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { freePort, NatsTestServer, benchMachine } from '@asb/testing';
import { AppModule } from '../src/app/app.module';
import { LiveCallsRegistry } from '../src/calls/live-calls.registry';
import { loadStreamEgressConfig } from '../src/config/stream-egress.config';

const LEVELS = (process.env['BENCH_CALLS'] ?? '250,1000').split(',').map(Number);
/** Tracks per call: 1 = the customer only, 2 = both directions. */
const TRACK_LEVELS = (process.env['BENCH_TRACKS'] ?? '1,2').split(',').map(Number);
const tracksOf = (count: number): AudioTrack[] => (count === 1 ? ['caller'] : ['caller', 'agent']);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const VARIANTS = (process.env['BENCH_VARIANTS'] ?? 'twilio,jambonz,baseline').split(',');
const WARMUP_MS = 2000;
const RESULTS = join(__dirname, '../../../bench/results');

type Variant = 'twilio' | 'jambonz' | 'baseline';

interface Row {
  variant: string;
  calls: number;
  tracks: number;
  /** Frames published on NATS per second for the calls. */
  framesPublishedPerSecond: number;
  /** Share of them the process under test took from NATS (below 1: NATS or the machine lagged). */
  takenShare: number;
  /** Media messages the backends received per second. */
  messagesOutPerSecond: number;
  /** Messages received over messages due for the frames taken (jambonz stereo: one per pair). */
  deliveredShare: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyP999Ms: number | null;
  latencyMaxMs: number | null;
  cpuMsPerSecond: number;
  /** CPU time of the process under test per frame it took from NATS. */
  usPerFrame: number;
  /** The other processes on the machine, to see which one limits. */
  backendCpuMsPerSecond: number;
  publisherCpuMsPerSecond: number;
  loadAverage1m: number;
}

class Child<T extends { type: string }> {
  readonly process: ChildProcess;

  constructor(file: string) {
    this.process = fork(join(__dirname, file), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
  }

  next(type: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (answer: T) => {
        if (answer.type !== type) return;
        this.process.off('message', onMessage);
        resolve(answer);
      };
      this.process.on('message', onMessage);
    });
  }

  ask(message: object, reply: string): Promise<T> {
    const answer = this.next(reply);
    this.process.send(message);
    return answer;
  }

  kill(): void {
    this.process.kill();
  }
}

interface BackendStats {
  type: string;
  messages: number;
  connections: number;
  p50: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  cpuMsPerSecond?: number;
  port?: number;
}

interface PublisherAnswer {
  type: string;
  published?: number;
  cpuMsPerSecond?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function callEvent(callId: string, event: 'tap_started' | 'ended', track?: AudioTrack): CallEvent {
  const base = {
    schemaVersion: SCHEMA_VERSION,
    eventId: deterministicEventId(callId, event, track ?? ''),
    occurredAt: new Date().toISOString(),
    callId,
    server: 'bench',
    channelId: '1732451234.1',
    channelName: 'SIP/bench-00000001',
  };
  if (event === 'ended') return { ...base, event, cause: 16, causeText: 'Normal Clearing' };
  return {
    ...base,
    event,
    track: track as AudioTrack,
    codec: 'ulaw',
    sampleRate: 8000,
    gateway: { gatewayId: 'bench', host: '127.0.0.1', port: 40000 },
    snoopChannelId: `s-${track}`,
    externalMediaChannelId: `e-${track}`,
    bridgeId: 'b',
  };
}

async function publishEvents(nc: NatsConnection, events: CallEvent[]): Promise<void> {
  const js = nc.jetstream();
  for (let i = 0; i < events.length; i += 200) {
    await Promise.all(
      events.slice(i, i + 200).map((event) => {
        const { subject, data } = encodeCallEvent(event);
        return js.publish(subject, data, { msgID: event.eventId });
      }),
    );
  }
}

interface UnderTest {
  /** Audio frames taken from NATS so far. */
  received(): Promise<number>;
  close(): Promise<void>;
}

async function startEgress(
  variant: 'twilio' | 'jambonz',
  natsUrl: string,
  backendPort: number,
  nc: NatsConnection,
  callIds: string[],
  tracks: AudioTrack[],
): Promise<UnderTest> {
  const config = loadStreamEgressConfig({
    env: {
      NATS_SERVERS: natsUrl,
      LOG_LEVEL: 'silent',
      EGRESS_EVENTS_REPLAY_MINUTES: '0',
      EGRESS_ROUTES: JSON.stringify([
        {
          name: 'bench',
          match: { all: true },
          targets: [
            variant === 'twilio'
              ? { url: `ws://127.0.0.1:${backendPort}/twilio`, tracks }
              : {
                  url: `ws://127.0.0.1:${backendPort}/jambonz`,
                  format: 'jambonz',
                  mixType: 'stereo',
                },
          ],
        },
      ]),
    },
  });
  const app: INestApplicationContext = await NestFactory.createApplicationContext(
    AppModule.register(config),
    { logger: false },
  );
  const registry = app.get(LiveCallsRegistry);
  const received = app
    .get(MetricsRegistry)
    .registry.getSingleMetric('stream_egress_audio_frames_received_total');
  await until(() => registry.isCaughtUp, 'stream-egress to catch up');
  await publishEvents(
    nc,
    callIds.flatMap((callId) => tracks.map((track) => callEvent(callId, 'tap_started', track))),
  );
  return {
    received: async () => (await received?.get())?.values[0]?.value ?? 0,
    close: async () => {
      await publishEvents(
        nc,
        callIds.map((callId) => callEvent(callId, 'ended')),
      );
      await until(() => registry.size === 0, 'every call to end');
      await app.close();
    },
  };
}

/** The floor: every frame forwarded as it comes, to a WebSocket per call, nothing else. */
async function startBaseline(
  natsUrl: string,
  backendPort: number,
  callIds: string[],
): Promise<UnderTest> {
  const nc = await connect({ servers: natsUrl });
  const sockets = new Map<string, WebSocket>();
  await Promise.all(
    callIds.map(
      (callId) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${backendPort}/raw`, {
            perMessageDeflate: false,
          });
          ws.once('open', () => resolve());
          ws.once('error', reject);
          sockets.set(callId, ws);
        }),
    ),
  );
  let received = 0;
  nc.subscribe('audio.v1.>', {
    callback: (_error, message) => {
      received += 1;
      const callId = message.subject.slice(9, message.subject.lastIndexOf('.'));
      sockets.get(callId)?.send(message.data);
    },
  });
  await nc.flush();
  return {
    received: async () => received,
    close: async () => {
      await nc.close();
      for (const ws of sockets.values()) ws.close();
    },
  };
}

async function stats(backend: Child<BackendStats>): Promise<BackendStats> {
  return backend.ask({ type: 'stats' }, 'stats');
}

async function measure(
  calls: number,
  tracks: AudioTrack[],
  variant: Variant,
  natsUrl: string,
  nc: NatsConnection,
  backend: Child<BackendStats>,
  backendPort: number,
  publisher: Child<PublisherAnswer>,
): Promise<Row> {
  const prefix = `bench-${variant}-${Date.now()}-`;
  const callIds = Array.from({ length: calls }, (_, i) => `${prefix}${i}`);
  const connectionsBefore = (await stats(backend)).connections;
  const underTest =
    variant === 'baseline'
      ? await startBaseline(natsUrl, backendPort, callIds)
      : await startEgress(variant, natsUrl, backendPort, nc, callIds, tracks);
  await until(
    async () => (await stats(backend)).connections >= connectionsBefore + calls,
    `${calls} backend connections`,
  );
  await publisher.ask({ type: 'start', nats: natsUrl, prefix, calls, tracks }, 'started');
  await sleep(WARMUP_MS);
  await backend.ask({ type: 'reset' }, 'reset');
  const publishedBefore = (await publisher.ask({ type: 'count' }, 'count')).published ?? 0;
  const receivedBefore = await underTest.received();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await sleep(SECONDS * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  const receivedAfter = await underTest.received();
  const publisherAnswer = await publisher.ask({ type: 'count' }, 'count');
  const backendStats = await stats(backend);
  const load = loadavg()[0];
  await publisher.ask({ type: 'stop' }, 'stopped');
  await underTest.close();
  await until(
    async () => (await stats(backend)).connections <= connectionsBefore,
    'the connections to close',
  );
  const published = (publisherAnswer.published ?? 0) - publishedBefore;
  const taken = receivedAfter - receivedBefore;
  const expectedOut = variant === 'jambonz' && tracks.length === 2 ? taken / 2 : taken;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    variant:
      variant === 'baseline'
        ? 'baseline: bare NATS-to-WebSocket forwarder'
        : variant === 'twilio'
          ? 'stream-egress twilio (u-law, JSON)'
          : 'stream-egress jambonz (stereo PCM)',
    calls,
    tracks: tracks.length,
    framesPublishedPerSecond: Math.round(published / elapsed),
    takenShare: Number((taken / Math.max(1, published)).toFixed(3)),
    messagesOutPerSecond: Math.round(backendStats.messages / elapsed),
    deliveredShare: Number((backendStats.messages / Math.max(1, expectedOut)).toFixed(3)),
    latencyP50Ms: backendStats.p50,
    latencyP99Ms: backendStats.p99,
    latencyP999Ms: backendStats.p999,
    latencyMaxMs: backendStats.max,
    cpuMsPerSecond: Math.round(cpuMs / elapsed),
    usPerFrame: Number(((cpuMs * 1000) / Math.max(1, taken)).toFixed(2)),
    backendCpuMsPerSecond: backendStats.cpuMsPerSecond ?? 0,
    publisherCpuMsPerSecond: publisherAnswer.cpuMsPerSecond ?? 0,
    loadAverage1m: Number(load.toFixed(2)),
  };
}

async function main(): Promise<void> {
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const nc = await connect({ servers: nats.url });
  await provisionCallEventsStream(await nc.jetstreamManager(), {
    CALL_EVENTS_MAX_AGE_HOURS: 1,
    CALL_EVENTS_MAX_BYTES: 256 * 1024 * 1024,
    CALL_EVENTS_MAX_MSGS: -1,
    CALL_EVENTS_REPLICAS: 1,
    CALL_EVENTS_DUPLICATE_WINDOW_SECONDS: 60,
  });
  const backend = new Child<BackendStats>('ws-backend.cjs');
  const backendPort = (await backend.next('listening')).port as number;
  const publisher = new Child<PublisherAnswer>('frame-publisher.cjs');
  const rows: Row[] = [];
  try {
    for (const calls of LEVELS) {
      for (const trackCount of TRACK_LEVELS) {
        for (const variant of VARIANTS as Variant[]) {
          const tracks = tracksOf(trackCount);
          rows.push(
            await measure(calls, tracks, variant, nats.url, nc, backend, backendPort, publisher),
          );
          console.log(`measured ${rows[rows.length - 1].variant}: ${calls} calls x ${trackCount}`);
        }
      }
    }
  } finally {
    backend.kill();
    publisher.kill();
    await nc.close();
    await nats.dispose();
  }

  console.table(rows);
  const ratios = rows
    .filter((row) => !row.variant.startsWith('baseline'))
    .flatMap((row) => {
      const floor = rows.find(
        (r) => r.calls === row.calls && r.tracks === row.tracks && r.variant.startsWith('baseline'),
      );
      return floor ? [{ row, floor }] : [];
    })
    .map(({ row, floor }) => ({
      variant: row.variant,
      calls: row.calls,
      tracks: row.tracks,
      cpuPerFrameRatio: Number((row.usPerFrame / floor.usPerFrame).toFixed(2)),
      usPerFrameOverFloor: Number((row.usPerFrame - floor.usPerFrame).toFixed(2)),
      latencyP50Ratio:
        row.latencyP50Ms && floor.latencyP50Ms
          ? Number((row.latencyP50Ms / floor.latencyP50Ms).toFixed(2))
          : null,
      latencyP99Ratio:
        row.latencyP99Ms && floor.latencyP99Ms
          ? Number((row.latencyP99Ms / floor.latencyP99Ms).toFixed(2))
          : null,
      addedLatencyP99Ms:
        row.latencyP99Ms !== null && floor.latencyP99Ms !== null
          ? Number((row.latencyP99Ms - floor.latencyP99Ms).toFixed(2))
          : null,
    }));
  if (ratios.length > 0) console.table(ratios);
  const machine = benchMachine();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'stream-egress.json'),
    JSON.stringify(
      {
        benchmark:
          'stream-egress: latency added and CPU per frame streaming calls to WebSocket backends, against a bare forwarder',
        date: new Date().toISOString(),
        command: 'npx nx run stream-egress:bench',
        machine,
        settings: {
          calls: LEVELS,
          tracksPerCall: TRACK_LEVELS,
          seconds: SECONDS,
          warmupMs: WARMUP_MS,
        },
        notes: [
          'Latency is publish on NATS -> message received by the backend process, measured from the send time carried in each frame.',
          'usPerFrame is the CPU time of the process under test per frame it took from NATS (takenShare of those published).',
          'Latency over a few ms at any variant means the machine was saturated (see the CPU columns and loadAverage1m); compare variants at the same level.',
          'nats-server, the frame publisher and the backends run in their own processes on the same machine.',
        ],
        rows,
        ratios,
      },
      null,
      2,
    ),
  );
  console.log(
    `results written to bench/results/stream-egress.json (${machine.cores} x ${machine.cpu})`,
  );
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
