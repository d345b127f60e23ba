/**
 * The live-audio path under load, over each transport: for each level, N concurrent dual-track
 * VICIdial calls on the simulator, tapped by ari-ingest over RTP (UDP) or AudioSocket (TCP),
 * received by media-gateway and delivered to one subscriber (its own process) that takes every
 * frame. Measured in a window once every tap runs: packets (AudioSocket: messages) per second,
 * end-to-end frame loss, added latency (send to NATS delivery, from probe streams this process
 * sends itself beside the calls), gateway CPU per packet and RSS. The baseline, same run, same
 * transport and same traffic: the calls tapped into a receiver that only counts packets, so the
 * gateway's cost is a ratio. Then, per transport, a gateway of two is killed under calls: how
 * long until each of its tracks has frames again.
 *
 *   npm run bench:media   (BENCH_LEVELS=250,500,1000,2000  BENCH_AUDIOSOCKET_LEVELS=250,500,1000
 *                          BENCH_SECONDS=8  BENCH_FAILOVER_CALLS=100  BENCH_TRANSPORTS=rtp,audiosocket)
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect as connectTcp, Socket as TcpSocket } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection, Subscription } from 'nats';
import {
  AUDIO_HEADERS,
  AUDIOSOCKET_TAP_MAX_BYTES,
  AUDIOSOCKET_TAPS_BUCKET,
  audioSocketTapSchema,
  encodeJson,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_CONTROL_MAX_BYTES,
  mediaAllocateReplySchema,
  mediaAllocateRequestSchema,
} from '@asb/contracts';
import { requestJson } from '@asb/nats';
import {
  AUDIOSOCKET_KIND,
  encodeAudioSocketMessage,
  encodeAudioSocketUuid,
  encodeUlawInto,
  RTP_HEADER_BYTES,
  writeRtpHeader,
} from '@asb/rtp';
import { freePort, NatsTestServer, benchMachine } from '@asb/testing';
import { ServiceProcess } from '../src/support/service-process';
import { WORKSPACE_ROOT } from '../src/support/workspace';
import { CpuProfile, perfAvailable, profileProcess } from './perf-profile';
import { cpuMicros, percentile, rssMiB } from './process-usage';
import { TcpFront } from '../src/support/tcp-front';

const levels = (variable: string, fallback: string) =>
  (process.env[variable] ?? fallback).split(',').filter(Boolean).map(Number);
const LEVELS: Record<Transport, number[]> = {
  rtp: levels('BENCH_LEVELS', '250,500,1000,2000'),
  audiosocket: levels('BENCH_AUDIOSOCKET_LEVELS', '250,500,1000'),
};
const FAILOVER_CALLS = Number(process.env['BENCH_FAILOVER_CALLS'] ?? 100);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const PROBES = 10;
/** Samples in one 20 ms u-law packet of a probe. */
const PROBE_SAMPLES = 160;
/** After each gateway level's window, where the gateway's time goes (needs Linux perf). */
const PROFILE_SECONDS = perfAvailable() ? Number(process.env['BENCH_PROFILE_SECONDS'] ?? 5) : 0;
const PASSWORD = randomBytes(9).toString('base64url');

type Receiver = 'media-gateway' | 'counting receiver';
type Transport = 'rtp' | 'audiosocket';
const TRANSPORTS = (process.env['BENCH_TRANSPORTS'] ?? 'rtp,audiosocket')
  .split(',')
  .filter((t): t is Transport => t === 'rtp' || t === 'audiosocket');

interface Row {
  calls: number;
  transport: Transport;
  receiver: Receiver;
  streams: number;
  /** Streams whose tap was running when the window opened. */
  tappedStreams: number;
  tapSetupSeconds: number;
  sentPerSecond: number;
  receivedPerSecond: number;
  framesPerSecond: number | null;
  gatewayFrameLoss: number | null;
  endToEndLoss: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  latencyUnmeasured: string | null;
  receiverUsPerPacket: number;
  receiverCorePercent: number;
  receiverRssMiB: number;
  simulatorCorePercent: number;
  ariIngestCorePercent: number;
  natsServerCorePercent: number;
  /** The subscriber taking every frame (its own process). */
  subscriberCorePercent: number;
}

interface LevelResult {
  row: Row;
  profile?: CpuProfile;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Several metrics of one scrape, each summed over its labels. */
async function metrics(service: ServiceProcess, names: string[]): Promise<number[]> {
  const text = await (await fetch(`${service.baseUrl}/metrics`)).text();
  const lines = text.split('\n');
  return names.map((name) =>
    lines
      .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0),
  );
}

interface CountingChild {
  child: ChildProcess;
  count(): Promise<number>;
}

/** One of the benchmark's helpers (counting-gateway.ts, frame-subscriber.ts) in its own process. */
async function forkCounter(
  file: string,
  natsUrl: string,
  env: Record<string, string> = {},
): Promise<CountingChild> {
  const child = fork(join(__dirname, file), [], {
    execArgv: ['-r', '@swc-node/register'],
    env: {
      ...process.env,
      SWC_NODE_PROJECT: join(WORKSPACE_ROOT, 'tsconfig.base.json'),
      NATS_URL: natsUrl,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise((resolve) => child.once('message', resolve));
  return {
    child,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (reply: { count: number }) => resolve(reply.count));
        child.send('count');
      }),
  };
}

/** One probe stream, sent like Asterisk sends a track: packet n when asked for it. */
interface ProbeStream {
  send(packet: number): void;
  close(): void;
}

/** A probe over RTP: a port allocated like ari-ingest allocates one, then u-law packets to it. */
async function openRtpProbe(nc: NatsConnection, callId: string, index: number) {
  const reply = await requestJson(
    nc,
    MEDIA_ALLOCATE_SUBJECT,
    {
      schema: mediaAllocateRequestSchema,
      payload: { callId, track: 'caller', codec: 'ulaw', server: 'bench' },
    },
    { schema: mediaAllocateReplySchema },
    { maxBytes: MEDIA_CONTROL_MAX_BYTES, timeoutMs: 15_000 },
  );
  if (!reply.ok) throw new Error(`probe allocation refused: ${reply.error}`);
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.connect(reply.port, reply.host, resolve));
  const packet = Buffer.alloc(RTP_HEADER_BYTES + PROBE_SAMPLES);
  encodeUlawInto(new Int16Array(PROBE_SAMPLES).fill(1000), packet, RTP_HEADER_BYTES);
  return {
    send(n: number) {
      writeRtpHeader(packet, 0, {
        payloadType: 0,
        marker: false,
        sequence: n & 0xffff,
        timestamp: (n + 1) * PROBE_SAMPLES,
        ssrc: 1000 + index,
      });
      socket.send(packet);
    },
    close: () => socket.close(),
  };
}

/** A probe over AudioSocket: a tap registered like ari-ingest registers one, then a connection. */
async function openAudioSocketProbe(nc: NatsConnection, callId: string, port: number) {
  const uuid = randomUUID();
  const kv = await nc
    .jetstream()
    .views.kv(AUDIOSOCKET_TAPS_BUCKET, { history: 1, allow_direct: true });
  const tap = {
    uuid,
    callId,
    track: 'caller' as const,
    server: 'bench',
    registeredAt: new Date().toISOString(),
  };
  await kv.put(uuid, encodeJson(audioSocketTapSchema, tap, AUDIOSOCKET_TAP_MAX_BYTES));
  const socket: TcpSocket = connectTcp({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(encodeAudioSocketUuid(uuid));
  const samples = Buffer.alloc(PROBE_SAMPLES * 2);
  for (let i = 0; i < PROBE_SAMPLES; i += 1) samples.writeInt16LE(1000, i * 2);
  const message = encodeAudioSocketMessage(AUDIOSOCKET_KIND.audio, samples);
  return { send: () => socket.write(message), close: () => socket.destroy() };
}

/** Streams this process sends like Asterisk, so send and delivery times share one clock. */
class LatencyProbes {
  private readonly streams: ProbeStream[] = [];
  private readonly sentAt: number[][] = [];
  private readonly subscriptions: Subscription[] = [];
  readonly latencies: number[] = [];
  private timer?: NodeJS.Timeout;
  private recording = false;

  async start(
    nc: NatsConnection,
    run: string,
    transport: Transport,
    audioSocketPort: number,
  ): Promise<void> {
    for (let i = 0; i < PROBES; i += 1) {
      const callId = `probe-${run}-${i}`;
      const sent: number[] = [];
      const subscription = nc.subscribe(`audio.v1.${callId}.caller`, {
        callback: (_error, message) => {
          // The frame's sample index says which packet it came from, even after lost ones;
          // its sequence counts published frames only and would pair it with an older packet.
          const packet = Number(message.headers?.get(AUDIO_HEADERS.timestamp)) / PROBE_SAMPLES;
          if (this.recording && sent[packet] !== undefined)
            this.latencies.push(performance.now() - sent[packet]);
        },
      });
      this.subscriptions.push(subscription);
      this.sentAt.push(sent);
      this.streams.push(
        transport === 'rtp'
          ? await openRtpProbe(nc, callId, i)
          : await openAudioSocketProbe(nc, callId, audioSocketPort),
      );
    }
    const started = performance.now();
    let produced = 0;
    this.timer = setInterval(() => {
      const due = Math.floor((performance.now() - started) / 20) + 1;
      while (produced < due) {
        this.streams.forEach((stream, i) => {
          this.sentAt[i][produced] = performance.now();
          stream.send(produced);
        });
        produced += 1;
      }
    }, 5);
  }

  record(on: boolean): void {
    this.recording = on;
  }

  stop(): void {
    clearInterval(this.timer);
    this.streams.forEach((stream) => stream.close());
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }
}

const AUTH = {
  authorization: `Basic ${Buffer.from(`asterisk:${PASSWORD}`).toString('base64')}`,
  'content-type': 'application/json',
};

/** The simulated Asterisk of one run, its RTP sent from two threads. */
function startSimulator(httpPort: number, ariPort: number, rtpPorts: number[]): ServiceProcess {
  return new ServiceProcess('asterisk-sim', {
    HTTP_PORT: String(httpPort),
    SIM_SERVERS: `pbx1:${ariPort}`,
    SIM_ARI_PASSWORD: PASSWORD,
    SIM_RTP_PORT_MIN: String(rtpPorts[0]),
    SIM_RTP_PORT_MAX: String(rtpPorts[1]),
    // The simulator shares two cores with everything else here: Asterisk's 100 ms write timeout
    // would drop ari-ingest as a slow reader whenever the simulator itself falls behind.
    SIM_WS_WRITE_TIMEOUT_MS: '2000',
    // One sending thread tops out near 4,000 streams; two keep the 2,000-call level at full rate.
    SIM_RTP_THREADS: '2',
    LOG_LEVEL: 'warn',
  }).start();
}

/** ari-ingest on a run's simulator, over `transport`, allowed to tap every track of the run. */
async function startIngest(
  nats: NatsTestServer,
  run: string,
  ariPort: number,
  transport: Transport,
  audioSocketAddress: string,
  streams: number,
): Promise<ServiceProcess> {
  return new ServiceProcess('ari-ingest', {
    HTTP_PORT: String(await freePort()),
    NATS_SERVERS: nats.url,
    ARI_SERVERS: `pbx1=http://127.0.0.1:${ariPort}`,
    ARI_PASSWORD: PASSWORD,
    ARI_APP: `bench${run}`,
    TAP_TRANSPORT: transport,
    TAP_AUDIOSOCKET_ADDRESS: audioSocketAddress,
    // Every track of the run, not the default cap's 1,000.
    TAP_MAX_CONCURRENT: String(streams),
    LOG_LEVEL: 'warn',
  }).start();
}

/** `calls` outbound calls, answered at once, that outlast the run. */
async function placeCalls(sim: ServiceProcess, calls: number, seed: number): Promise<void> {
  const response = await fetch(`${sim.baseUrl}/sim/scenarios`, {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify({
      totalCalls: calls,
      concurrency: calls,
      arrivalRate: Math.min(200, calls),
      ringMs: { min: 50, max: 100 },
      talkMs: { min: 600_000, max: 600_000 },
      answerRatio: 1,
      mix: { outbound: 1 },
      seed,
    }),
  });
  if (!response.ok) throw new Error(`scenario refused: ${await response.text()}`);
}

/**
 * `subscriber` takes every frame, in its own process; `nc` counts taps; `probeNc` is the probes'
 * own connection, so their allocation requests and latency samples queue behind nothing.
 */
async function runLevel(
  calls: number,
  transport: Transport,
  receiver: Receiver,
  nats: NatsTestServer,
  nc: NatsConnection,
  probeNc: NatsConnection,
  subscriber: CountingChild,
): Promise<LevelResult> {
  const run = randomBytes(3).toString('hex');
  const [ariPort, simHttp, gwHttp, audioSocketPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const streams = calls * 2;
  const simPorts = [20_000, 20_000 + streams + 200];
  const rxPorts = [40_000, 40_000 + streams + PROBES + 200];
  const processes: ServiceProcess[] = [];
  let counting: CountingChild | undefined;
  const sim = startSimulator(simHttp, ariPort, simPorts);
  processes.push(sim);
  let gateway: ServiceProcess | undefined;
  try {
    if (receiver === 'media-gateway') {
      gateway = new ServiceProcess('media-gateway', {
        HTTP_PORT: String(gwHttp),
        NATS_SERVERS: nats.url,
        GATEWAY_ID: `bench-${run}`,
        GATEWAY_BIND_HOST: '127.0.0.1',
        GATEWAY_PORT_MIN: String(rxPorts[0]),
        GATEWAY_PORT_MAX: String(rxPorts[1]),
        GATEWAY_AUDIOSOCKET_PORT: String(audioSocketPort),
        LOG_LEVEL: 'warn',
        // Names JavaScript frames for perf; costs nothing until code is compiled.
        ...(PROFILE_SECONDS > 0 ? { NODE_OPTIONS: '--perf-basic-prof-only-functions' } : {}),
      }).start();
      processes.push(gateway);
      await gateway.waitFor('/health/ready');
    } else {
      counting = await forkCounter('counting-gateway.ts', nats.url, {
        PORT_MIN: String(rxPorts[0]),
        PORT_MAX: String(rxPorts[1]),
        AUDIOSOCKET_PORT: String(audioSocketPort),
      });
    }
    await sim.waitFor('/health/ready');
    const ingest = await startIngest(
      nats,
      run,
      ariPort,
      transport,
      `127.0.0.1:${audioSocketPort}`,
      streams,
    );
    processes.push(ingest);
    await ingest.waitFor('/health/ready', 200, 30_000);

    let tapped = 0;
    const tapSubscription = nc.subscribe(`call.v1.*.tap_started`, {
      callback: () => (tapped += 1),
    });
    const setupStarted = performance.now();
    await placeCalls(sim, calls, calls);
    // Every tap, or as many as come up while they still come up (a saturated box fails some).
    let lastProgress = { tapped: 0, at: Date.now() };
    await until(
      () => {
        if (tapped !== lastProgress.tapped) lastProgress = { tapped, at: Date.now() };
        return tapped >= streams || (tapped > 0 && Date.now() - lastProgress.at > 15_000);
      },
      240_000,
      `${streams} taps`,
    );
    const tapSetupSeconds = (performance.now() - setupStarted) / 1000;

    const probes = new LatencyProbes();
    // A gateway too busy to answer the probes' allocations still has its throughput measured.
    let latencyUnmeasured: string | null = null;
    if (receiver === 'media-gateway')
      await probes.start(probeNc, run, transport, audioSocketPort).catch((error: Error) => {
        latencyUnmeasured = `probe allocation failed: ${error.message}`;
      });
    await sleep(2000);

    const simSent = async () => {
      if (transport === 'audiosocket')
        return (await metrics(sim, ['sim_audiosocket_messages_sent_total']))[0];
      const reports = (await (
        await fetch(`${sim.baseUrl}/sim/streams`, { headers: AUTH })
      ).json()) as Array<{ active: boolean; sent: number }>;
      return reports.filter((r) => r.active).reduce((sum, r) => sum + r.sent, 0);
    };
    const receiverCounts = async (): Promise<[number, number]> => {
      if (!gateway) return [await (counting as CountingChild).count(), 0];
      const [received, published] = await metrics(gateway, [
        transport === 'rtp'
          ? 'media_gateway_rtp_packets_received_total'
          : 'media_gateway_audiosocket_messages_received_total',
        'media_gateway_frames_published_total',
      ]);
      return [received, published];
    };
    const receiverPid = (gateway?.pid ?? counting?.child.pid) as number;
    const simPid = sim.pid as number;
    const ingestPid = ingest.pid as number;
    const natsPid = nats.pid as number;

    const snapshot = async () => {
      const [[received, published], sent, frames] = await Promise.all([
        receiverCounts(),
        simSent(),
        subscriber.count(),
      ]);
      return {
        sent,
        received,
        published,
        frames,
        cpu: cpuMicros(receiverPid),
        simCpu: cpuMicros(simPid),
        ingestCpu: cpuMicros(ingestPid),
        natsCpu: cpuMicros(natsPid),
        subscriberCpu: cpuMicros(subscriber.child.pid as number),
        at: performance.now(),
      };
    };
    const before = await snapshot();
    probes.record(true);
    await sleep(SECONDS * 1000);
    probes.record(false);
    const after = await snapshot();
    if (gateway && probes.latencies.length === 0 && latencyUnmeasured === null)
      latencyUnmeasured = 'no probe frame came back in the window';
    const profile =
      gateway && PROFILE_SECONDS > 0
        ? await profileProcess(gateway.pid as number, PROFILE_SECONDS)
        : undefined;
    probes.stop();
    tapSubscription.unsubscribe();

    const elapsed = (after.at - before.at) / 1000;
    const sent = after.sent - before.sent;
    const got = after.received - before.received;
    const framesDelivered = after.frames - before.frames;
    const latencies = probes.latencies.sort((a, b) => a - b);
    const round = (value: number, digits = 2) => Number(value.toFixed(digits));
    const corePercent = (micros: number) => round((micros / 1e6 / elapsed) * 100, 1);
    const row: Row = {
      calls,
      transport,
      receiver,
      streams,
      tappedStreams: Math.min(tapped, streams),
      tapSetupSeconds: round(tapSetupSeconds, 1),
      sentPerSecond: Math.round(sent / elapsed),
      receivedPerSecond: Math.round(got / elapsed),
      framesPerSecond: gateway ? Math.round(framesDelivered / elapsed) : null,
      gatewayFrameLoss: gateway
        ? round(Math.max(0, 1 - (after.published - before.published) / got), 4)
        : null,
      endToEndLoss: gateway ? round(Math.max(0, 1 - framesDelivered / sent), 4) : null,
      latencyP50Ms: gateway && latencies.length > 0 ? round(percentile(latencies, 50)) : null,
      latencyP99Ms: gateway && latencies.length > 0 ? round(percentile(latencies, 99)) : null,
      latencyUnmeasured,
      receiverUsPerPacket: round((after.cpu - before.cpu) / Math.max(1, got)),
      receiverCorePercent: corePercent(after.cpu - before.cpu),
      receiverRssMiB: rssMiB(receiverPid),
      simulatorCorePercent: corePercent(after.simCpu - before.simCpu),
      ariIngestCorePercent: corePercent(after.ingestCpu - before.ingestCpu),
      natsServerCorePercent: corePercent(after.natsCpu - before.natsCpu),
      subscriberCorePercent: corePercent(after.subscriberCpu - before.subscriberCpu),
    };
    return { row, profile };
  } finally {
    for (const process of [...processes].reverse())
      await process.stop().catch(() => process.kill());
    counting?.child.kill();
  }
}

interface FailoverRow {
  transport: Transport;
  calls: number;
  tracksOnKilledGateway: number;
  /** Tracks with frames again before the window closed. */
  tracksBack: number;
  /** Per track of the killed gateway, the longest time without a frame around the kill. */
  gapP50Ms: number | null;
  gapP95Ms: number | null;
  gapMaxMs: number | null;
}

const FAILOVER_WINDOW_MS = 15_000;

/**
 * Two gateways under `calls` calls, over `transport`; the one carrying more tracks is killed
 * (-9), as a node failure would. For each of its tracks, the longest time without a frame from a
 * second before the kill to the end of the window: the audio the failover cost it. Over RTP
 * ari-ingest finds the gateway gone (its heartbeats stop) and taps the tracks on the other; over
 * AudioSocket both sit behind one address (a TcpFront, as a Service), Asterisk hangs up the
 * channels whose connections closed, and ari-ingest taps them again through that address.
 */
async function runFailover(
  calls: number,
  transport: Transport,
  nats: NatsTestServer,
  nc: NatsConnection,
): Promise<FailoverRow> {
  const run = randomBytes(3).toString('hex');
  const streams = calls * 2;
  const processes: ServiceProcess[] = [];
  const [ariPort, simHttp, frontPort] = [await freePort(), await freePort(), await freePort()];
  const sim = startSimulator(simHttp, ariPort, [20_000, 20_000 + streams * 3]);
  processes.push(sim);
  let front: TcpFront | undefined;
  const frames = new Map<string, number[]>();
  const carriedBy = new Map<string, string>();
  const subscriptions: Subscription[] = [];
  try {
    const gateways: Array<{ id: string; process: ServiceProcess; audioSocketPort: number }> = [];
    for (const [index, name] of ['a', 'b'].entries()) {
      const audioSocketPort = await freePort();
      const id = `bench-${run}-${name}`;
      const base = 40_000 + index * (streams * 2 + 200);
      const process = new ServiceProcess('media-gateway', {
        HTTP_PORT: String(await freePort()),
        NATS_SERVERS: nats.url,
        GATEWAY_ID: id,
        GATEWAY_BIND_HOST: '127.0.0.1',
        GATEWAY_PORT_MIN: String(base),
        GATEWAY_PORT_MAX: String(base + streams * 2 + 100),
        GATEWAY_AUDIOSOCKET_PORT: String(audioSocketPort),
        LOG_LEVEL: 'warn',
      }).start();
      processes.push(process);
      gateways.push({ id, process, audioSocketPort });
    }
    await Promise.all(
      [sim, ...gateways.map((g) => g.process)].map((p) => p.waitFor('/health/ready')),
    );
    if (transport === 'audiosocket') {
      front = new TcpFront(gateways.map((g) => g.audioSocketPort));
      await front.listen(frontPort);
    }
    const ingest = await startIngest(
      nats,
      run,
      ariPort,
      transport,
      `127.0.0.1:${frontPort}`,
      streams,
    );
    processes.push(ingest);
    await ingest.waitFor('/health/ready', 200, 30_000);

    let recording = false;
    subscriptions.push(
      nc.subscribe(`stats.v1.>`, {
        callback: (_error, message) => {
          const sample = JSON.parse(message.string()) as {
            callId: string;
            track: string;
            gatewayId: string;
          };
          if (!sample.callId.startsWith('probe-'))
            carriedBy.set(`${sample.callId}.${sample.track}`, sample.gatewayId);
        },
      }),
      nc.subscribe(`audio.v1.>`, {
        callback: (_error, message) => {
          if (!recording) return;
          const key = message.subject.slice('audio.v1.'.length);
          let times = frames.get(key);
          if (!times) frames.set(key, (times = []));
          times.push(performance.now());
        },
      }),
    );
    await placeCalls(sim, calls, calls + 1);
    await until(() => carriedBy.size >= streams, 120_000, `stats of ${streams} tracks`);
    recording = true;
    await sleep(2000);
    const counts = gateways.map((g) => [...carriedBy.values()].filter((id) => id === g.id).length);
    const victim = gateways[counts[0] >= counts[1] ? 0 : 1];
    const affected = [...carriedBy].filter(([, id]) => id === victim.id).map(([key]) => key);
    const killedAt = performance.now();
    victim.process.kill();
    await sleep(FAILOVER_WINDOW_MS);
    const windowEnd = performance.now();
    const gaps: number[] = [];
    let back = 0;
    for (const key of affected) {
      const times = (frames.get(key) ?? []).filter((t) => t >= killedAt - 1000);
      let gap = 0;
      let last = killedAt - 1000;
      for (const t of times) {
        gap = Math.max(gap, t - last);
        last = t;
      }
      if (windowEnd - last < 1000) back += 1;
      gaps.push(Math.max(gap, windowEnd - last));
    }
    gaps.sort((a, b) => a - b);
    const at = (p: number) => (gaps.length > 0 ? Math.round(percentile(gaps, p)) : null);
    return {
      transport,
      calls,
      tracksOnKilledGateway: affected.length,
      tracksBack: back,
      gapP50Ms: at(50),
      gapP95Ms: at(95),
      gapMaxMs: at(100),
    };
  } finally {
    subscriptions.forEach((subscription) => subscription.unsubscribe());
    for (const process of [...processes].reverse())
      await process.stop().catch(() => process.kill());
    await front?.close();
  }
}

async function main(): Promise<void> {
  // A private server: the benchmark's calls, never ended, stay out of the shared CALL_EVENTS
  // stream (where stream-egress or a dashboard would replay them as live), and its CPU is its own.
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const nc = await connect({ servers: nats.url });
  const probeNc = await connect({ servers: nats.url });
  const subscriber = await forkCounter('frame-subscriber.ts', nats.url);
  const rows: Row[] = [];
  const profiles: Array<{ calls: number; transport: Transport } & CpuProfile> = [];
  const failures: Array<{
    calls: number;
    transport: Transport;
    receiver: Receiver;
    error: string;
  }> = [];
  for (const transport of TRANSPORTS) {
    for (const calls of LEVELS[transport]) {
      for (const receiver of ['media-gateway', 'counting receiver'] as const) {
        process.stdout.write(`level ${calls} calls over ${transport}, ${receiver}... `);
        try {
          const { row, profile } = await runLevel(
            calls,
            transport,
            receiver,
            nats,
            nc,
            probeNc,
            subscriber,
          );
          rows.push(row);
          if (profile) profiles.push({ calls, transport, ...profile });
          console.log(`${row.receivedPerSecond} packets/s, ${row.receiverUsPerPacket} us/packet`);
        } catch (error) {
          // A level the machine cannot carry is a result too: recorded, and the run goes on.
          failures.push({ calls, transport, receiver, error: (error as Error).message });
          console.log(`failed: ${(error as Error).message}`);
        }
      }
    }
  }
  const failovers: FailoverRow[] = [];
  for (const transport of FAILOVER_CALLS > 0 ? TRANSPORTS : []) {
    process.stdout.write(
      `a gateway of two killed under ${FAILOVER_CALLS} calls over ${transport}... `,
    );
    try {
      const row = await runFailover(FAILOVER_CALLS, transport, nats, nc);
      failovers.push(row);
      console.log(`audio back on every track within ${row.gapMaxMs} ms`);
    } catch (error) {
      failures.push({
        calls: FAILOVER_CALLS,
        transport,
        receiver: 'media-gateway',
        error: `failover: ${(error as Error).message}`,
      });
      console.log(`failed: ${(error as Error).message}`);
    }
  }
  await nc.drain();
  await probeNc.drain();
  subscriber.child.kill();
  await nats.dispose();
  console.table(rows);
  const cells = TRANSPORTS.flatMap((transport) =>
    LEVELS[transport].map((calls) => ({ transport, calls })),
  );
  const ratios = cells.map(({ transport, calls }) => {
    const [gateway, bare] = [
      rows.find(
        (r) => r.calls === calls && r.transport === transport && r.receiver === 'media-gateway',
      ),
      rows.find(
        (r) => r.calls === calls && r.transport === transport && r.receiver === 'counting receiver',
      ),
    ];
    const ratio =
      gateway && bare
        ? Number((gateway.receiverUsPerPacket / bare.receiverUsPerPacket).toFixed(2))
        : null;
    return {
      calls,
      transport,
      gatewayCpuPerPacketVsBare: ratio,
      noFrameLostByGateway: gateway?.gatewayFrameLoss === 0,
      p99UnderTenMs: gateway?.latencyP99Ms !== null && (gateway?.latencyP99Ms ?? Infinity) < 10,
      withinThreeTimesBare: ratio !== null && ratio <= 3,
      // What the rest of the path (simulator, NATS, subscriber, ari-ingest) took of the same box
      // while the gateway ran: the machine's own limit on the level, gateway aside.
      restOfPathCorePercent: gateway
        ? Number(
            (
              gateway.simulatorCorePercent +
              gateway.natsServerCorePercent +
              gateway.subscriberCorePercent +
              gateway.ariIngestCorePercent
            ).toFixed(1),
          )
        : null,
      machineCorePercent: cpus().length * 100,
    };
  });
  console.table(ratios);
  const sideBySide = sideBySideOf(rows);
  console.log('RTP and AudioSocket side by side (gateway rows; ratios AudioSocket / RTP):');
  console.table(sideBySide);
  console.log(`a gateway of two killed (-9) under ${FAILOVER_CALLS} calls:`);
  console.table(failovers);
  for (const profile of profiles) {
    console.log(
      `where the gateway's time goes at ${profile.calls} calls over ${profile.transport} (${profile.tool}):`,
    );
    console.table(profile.shares);
  }
  const machine = benchMachine();
  const out = join(WORKSPACE_ROOT, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, 'media-path.json'),
    JSON.stringify(
      {
        benchmark:
          'live-audio path over RTP and AudioSocket: asterisk-sim -> ari-ingest -> media-gateway -> NATS subscriber',
        date: new Date().toISOString(),
        machine,
        seconds: SECONDS,
        rows,
        ratios,
        sideBySide,
        failovers,
        gatewayProfiles: profiles,
        failures,
      },
      null,
      2,
    ),
  );
  console.log(
    `results written to bench/results/media-path.json (${machine.cores} x ${machine.cpu})`,
  );
}

/** The gateway's figures per level for both transports, and AudioSocket's over RTP's. */
function sideBySideOf(rows: Row[]) {
  const gatewayRow = (transport: Transport, calls: number) =>
    rows.find(
      (r) => r.transport === transport && r.calls === calls && r.receiver === 'media-gateway',
    );
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a !== null && a !== undefined && b ? Number((a / b).toFixed(2)) : null;
  return LEVELS.audiosocket
    .filter((calls) => LEVELS.rtp.includes(calls))
    .map((calls) => {
      const rtp = gatewayRow('rtp', calls);
      const tcp = gatewayRow('audiosocket', calls);
      return {
        calls,
        rtpUsPerFrame: rtp?.receiverUsPerPacket ?? null,
        audioSocketUsPerFrame: tcp?.receiverUsPerPacket ?? null,
        cpuPerFrame: ratio(tcp?.receiverUsPerPacket, rtp?.receiverUsPerPacket),
        rtpP50Ms: rtp?.latencyP50Ms ?? null,
        audioSocketP50Ms: tcp?.latencyP50Ms ?? null,
        rtpP99Ms: rtp?.latencyP99Ms ?? null,
        audioSocketP99Ms: tcp?.latencyP99Ms ?? null,
        rtpLoss: rtp?.endToEndLoss ?? null,
        audioSocketLoss: tcp?.endToEndLoss ?? null,
        rtpRssMiB: rtp?.receiverRssMiB ?? null,
        audioSocketRssMiB: tcp?.receiverRssMiB ?? null,
        rss: ratio(tcp?.receiverRssMiB, rtp?.receiverRssMiB),
      };
    });
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
