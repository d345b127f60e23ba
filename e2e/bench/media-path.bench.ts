/**
 * The live-audio path under load: for each level, N concurrent dual-track VICIdial calls on the
 * simulator, tapped by ari-ingest, received by media-gateway and delivered to one subscriber
 * (its own process) that takes every frame. Measured in a window once every tap runs: packets/s, end-to-end frame
 * loss, added latency (RTP send to NATS delivery, from probe streams this process sends itself
 * beside the calls), gateway CPU per packet and RSS. The baseline, same run and same traffic:
 * the calls tapped into a receiver that only counts packets, so the gateway's cost is a ratio.
 *
 *   npm run bench:media        (BENCH_LEVELS=250,500,1000,2000  BENCH_SECONDS=8)
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket, Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { connect, NatsConnection, Subscription } from 'nats';
import {
  AUDIO_HEADERS,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_CONTROL_MAX_BYTES,
  mediaAllocateReplySchema,
  mediaAllocateRequestSchema,
} from '@asb/contracts';
import { requestJson } from '@asb/nats';
import { encodeUlawInto, RTP_HEADER_BYTES, writeRtpHeader } from '@asb/rtp';
import { freePort, NatsTestServer, benchMachine } from '@asb/testing';
import { ServiceProcess } from '../src/support/service-process';
import { WORKSPACE_ROOT } from '../src/support/workspace';
import { CpuProfile, perfAvailable, profileProcess } from './perf-profile';
import { cpuMicros, percentile, rssMiB } from './process-usage';

const LEVELS = (process.env['BENCH_LEVELS'] ?? '250,500,1000,2000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 8);
const PROBES = 10;
/** Samples in one 20 ms u-law packet of a probe. */
const PROBE_SAMPLES = 160;
/** After each gateway level's window, where the gateway's time goes (needs Linux perf). */
const PROFILE_SECONDS = perfAvailable() ? Number(process.env['BENCH_PROFILE_SECONDS'] ?? 5) : 0;
const PASSWORD = randomBytes(9).toString('base64url');

type Receiver = 'media-gateway' | 'counting receiver';

interface Row {
  calls: number;
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

/** Streams this process sends like Asterisk, so send and delivery times share one clock. */
class LatencyProbes {
  private readonly sockets: Socket[] = [];
  private readonly sentAt: number[][] = [];
  private readonly subscriptions: Subscription[] = [];
  readonly latencies: number[] = [];
  private timer?: NodeJS.Timeout;
  private recording = false;

  async start(nc: NatsConnection, run: string): Promise<void> {
    const payload = Buffer.alloc(PROBE_SAMPLES);
    encodeUlawInto(new Int16Array(PROBE_SAMPLES).fill(1000), payload, 0);
    for (let i = 0; i < PROBES; i += 1) {
      const callId = `probe-${run}-${i}`;
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
      this.sockets.push(socket);
      const sent: number[] = [];
      this.sentAt.push(sent);
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
    }
    const packet = Buffer.alloc(RTP_HEADER_BYTES + PROBE_SAMPLES);
    payload.copy(packet, RTP_HEADER_BYTES);
    const started = performance.now();
    let produced = 0;
    this.timer = setInterval(() => {
      const due = Math.floor((performance.now() - started) / 20) + 1;
      while (produced < due) {
        this.sockets.forEach((socket, i) => {
          writeRtpHeader(packet, 0, {
            payloadType: 0,
            marker: false,
            sequence: produced & 0xffff,
            timestamp: (produced + 1) * PROBE_SAMPLES,
            ssrc: 1000 + i,
          });
          this.sentAt[i][produced] = performance.now();
          socket.send(packet);
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
    this.sockets.forEach((socket) => socket.close());
    this.subscriptions.forEach((subscription) => subscription.unsubscribe());
  }
}

/**
 * `subscriber` takes every frame, in its own process; `nc` counts taps; `probeNc` is the probes'
 * own connection, so their allocation requests and latency samples queue behind nothing.
 */
async function runLevel(
  calls: number,
  receiver: Receiver,
  nats: NatsTestServer,
  nc: NatsConnection,
  probeNc: NatsConnection,
  subscriber: CountingChild,
): Promise<LevelResult> {
  const run = randomBytes(3).toString('hex');
  const [ariPort, simHttp, gwHttp, ingestHttp] = [
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
  const sim = new ServiceProcess('asterisk-sim', {
    HTTP_PORT: String(simHttp),
    SIM_SERVERS: `pbx1:${ariPort}`,
    SIM_ARI_PASSWORD: PASSWORD,
    SIM_RTP_PORT_MIN: String(simPorts[0]),
    SIM_RTP_PORT_MAX: String(simPorts[1]),
    // The simulator shares two cores with everything else here: Asterisk's 100 ms write timeout
    // would drop ari-ingest as a slow reader whenever the simulator itself falls behind.
    SIM_WS_WRITE_TIMEOUT_MS: '2000',
    // One sending thread tops out near 4,000 streams; two keep the 2,000-call level at full rate.
    SIM_RTP_THREADS: '2',
    LOG_LEVEL: 'warn',
  }).start();
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
      });
    }
    await sim.waitFor('/health/ready');
    const ingest = new ServiceProcess('ari-ingest', {
      HTTP_PORT: String(ingestHttp),
      NATS_SERVERS: nats.url,
      ARI_SERVERS: `pbx1=http://127.0.0.1:${ariPort}`,
      ARI_PASSWORD: PASSWORD,
      ARI_APP: `bench${run}`,
      LOG_LEVEL: 'warn',
    }).start();
    processes.push(ingest);
    await ingest.waitFor('/health/ready', 200, 30_000);

    let tapped = 0;
    const tapSubscription = nc.subscribe(`call.v1.*.tap_started`, {
      callback: () => (tapped += 1),
    });
    const auth = {
      authorization: `Basic ${Buffer.from(`asterisk:${PASSWORD}`).toString('base64')}`,
      'content-type': 'application/json',
    };
    const setupStarted = performance.now();
    const response = await fetch(`${sim.baseUrl}/sim/scenarios`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        totalCalls: calls,
        concurrency: calls,
        arrivalRate: Math.min(200, calls),
        ringMs: { min: 50, max: 100 },
        talkMs: { min: 600_000, max: 600_000 },
        answerRatio: 1,
        mix: { outbound: 1 },
        seed: calls,
      }),
    });
    if (!response.ok) throw new Error(`scenario refused: ${await response.text()}`);
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
      await probes.start(probeNc, run).catch((error: Error) => {
        latencyUnmeasured = `probe allocation failed: ${error.message}`;
      });
    await sleep(2000);

    const simSent = async () => {
      const reports = (await (
        await fetch(`${sim.baseUrl}/sim/streams`, { headers: auth })
      ).json()) as Array<{ active: boolean; sent: number }>;
      return reports.filter((r) => r.active).reduce((sum, r) => sum + r.sent, 0);
    };
    const receiverCounts = async (): Promise<[number, number]> => {
      if (!gateway) return [await (counting as CountingChild).count(), 0];
      const [received, published] = await metrics(gateway, [
        'media_gateway_rtp_packets_received_total',
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

async function main(): Promise<void> {
  // A private server: the benchmark's calls, never ended, stay out of the shared CALL_EVENTS
  // stream (where stream-egress or a dashboard would replay them as live), and its CPU is its own.
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const nc = await connect({ servers: nats.url });
  const probeNc = await connect({ servers: nats.url });
  const subscriber = await forkCounter('frame-subscriber.ts', nats.url);
  const rows: Row[] = [];
  const profiles: Array<{ calls: number } & CpuProfile> = [];
  const failures: Array<{ calls: number; receiver: Receiver; error: string }> = [];
  for (const calls of LEVELS) {
    for (const receiver of ['media-gateway', 'counting receiver'] as const) {
      process.stdout.write(`level ${calls} calls, ${receiver}... `);
      try {
        const { row, profile } = await runLevel(calls, receiver, nats, nc, probeNc, subscriber);
        rows.push(row);
        if (profile) profiles.push({ calls, ...profile });
        console.log(`${row.receivedPerSecond} packets/s, ${row.receiverUsPerPacket} us/packet`);
      } catch (error) {
        // A level the machine cannot carry is a result too: recorded, and the run goes on.
        failures.push({ calls, receiver, error: (error as Error).message });
        console.log(`failed: ${(error as Error).message}`);
      }
    }
  }
  await nc.drain();
  await probeNc.drain();
  subscriber.child.kill();
  await nats.dispose();
  console.table(rows);
  const ratios = LEVELS.map((calls) => {
    const [gateway, bare] = [
      rows.find((r) => r.calls === calls && r.receiver === 'media-gateway'),
      rows.find((r) => r.calls === calls && r.receiver === 'counting receiver'),
    ];
    const ratio =
      gateway && bare
        ? Number((gateway.receiverUsPerPacket / bare.receiverUsPerPacket).toFixed(2))
        : null;
    return {
      calls,
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
  for (const profile of profiles) {
    console.log(`where the gateway's time goes at ${profile.calls} calls (${profile.tool}):`);
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
          'live-audio path: asterisk-sim -> ari-ingest -> media-gateway -> NATS subscriber',
        date: new Date().toISOString(),
        machine,
        seconds: SECONDS,
        rows,
        ratios,
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

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
