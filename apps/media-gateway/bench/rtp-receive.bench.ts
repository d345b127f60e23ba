/**
 * What the gateway costs per RTP packet. For each level, N u-law streams of 20 ms packets come
 * from a sender process (rtp-load-sender.cjs) into the real gateway (allocations over NATS,
 * validation, reorder window, decode, frames published in batches with headers, stats), then, on
 * the same traffic, into a bare receiver that only counts datagrams on one socket per stream:
 * the floor of Node dgram. This process's CPU time per packet is compared for the two. The
 * gateway runs twice, with its audio analysis (speech, clipping, format checks) and without, so
 * the analysis's share of the cost is measured on the same traffic. The sender and nats-server
 * run in their own processes and share the machine, as in production.
 *
 *   npx nx run media-gateway:bench        (BENCH_LEVELS=250,1000  BENCH_SECONDS=5)
 */
import { ChildProcess, fork } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { connect } from 'nats';
import type { MetricValueWithName } from 'prom-client';
import { MetricsRegistry } from '@asb/observability';
import { freePort, NatsTestServer, benchMachine } from '@asb/testing';
import { AppModule } from '../src/app/app.module';
import { loadMediaGatewayConfig } from '../src/config/media-gateway.config';
import { AllocationService } from '../src/ports/allocation.service';

const LEVELS = (process.env['BENCH_LEVELS'] ?? '250,1000').split(',').map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const WARMUP_MS = 1000;
const PORT_BASE = 46000;
const RESULTS = join(__dirname, '../../../bench/results');
const GATEWAY = 'media-gateway';
const GATEWAY_WITHOUT_ANALYSIS = 'media-gateway, audio analysis off';
const BASELINE = 'baseline: count only';

interface Row {
  streams: number;
  receiver: string;
  packetsPerSecond: number;
  /** Share of the sent packets the receiver counted. */
  receivedShare: number;
  /** Share of the sent packets that came back as audio frames on NATS (gateway only). */
  framesShare: number | null;
  meanBatchFrames: number | null;
  cpuMsPerSecond: number;
  usPerPacket: number;
}

class Sender {
  private readonly child: ChildProcess = fork(join(__dirname, 'rtp-load-sender.cjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  private ask<T>(message: object, reply: string): Promise<T> {
    return new Promise((resolve) => {
      const onMessage = (answer: { type: string }) => {
        if (answer.type !== reply) return;
        this.child.off('message', onMessage);
        resolve(answer as T);
      };
      this.child.on('message', onMessage);
      this.child.send(message);
    });
  }

  start(ports: number[], nats?: string): Promise<unknown> {
    return this.ask({ type: 'start', ports, nats }, 'started');
  }

  count(): Promise<{ sent: number; frames: number }> {
    return this.ask({ type: 'count' }, 'count');
  }

  stop(): Promise<unknown> {
    return this.ask({ type: 'stop' }, 'stopped');
  }

  kill(): void {
    this.child.disconnect();
  }
}

interface Target {
  ports: number[];
  received(): Promise<number>;
  batches?(): Promise<{ sum: number; count: number }>;
  close(): Promise<void>;
}

async function measure(
  streams: number,
  receiver: string,
  target: Target,
  sender: Sender,
  nats?: string,
): Promise<Row> {
  await sender.start(target.ports, nats);
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  const before = { ...(await sender.count()), received: await target.received() };
  const batchesBefore = await target.batches?.();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (performance.now() - started) / 1000;
  const after = { ...(await sender.count()), received: await target.received() };
  const batchesAfter = await target.batches?.();
  await sender.stop();
  await target.close();
  const sent = after.sent - before.sent;
  const received = after.received - before.received;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const batchFrames =
    batchesBefore && batchesAfter
      ? (batchesAfter.sum - batchesBefore.sum) /
        Math.max(1, batchesAfter.count - batchesBefore.count)
      : null;
  return {
    streams,
    receiver,
    packetsPerSecond: Math.round(received / elapsed),
    receivedShare: Number((received / Math.max(1, sent)).toFixed(3)),
    framesShare: nats
      ? Number(((after.frames - before.frames) / Math.max(1, sent)).toFixed(3))
      : null,
    meanBatchFrames: batchFrames === null ? null : Number(batchFrames.toFixed(1)),
    cpuMsPerSecond: Math.round(cpuMs / elapsed),
    usPerPacket: Number(((cpuMs * 1000) / Math.max(1, received)).toFixed(2)),
  };
}

async function gatewayTarget(
  streams: number,
  natsUrl: string,
  audioAnalysis: boolean,
): Promise<Target> {
  const config = loadMediaGatewayConfig({
    env: {
      NATS_SERVERS: natsUrl,
      LOG_LEVEL: 'silent',
      GATEWAY_ID: 'bench',
      GATEWAY_BIND_HOST: '127.0.0.1',
      GATEWAY_PORT_MIN: String(PORT_BASE),
      GATEWAY_PORT_MAX: String(PORT_BASE + streams + 100),
      GATEWAY_UDP_RECV_BUFFER_BYTES: String(1024 * 1024),
      GATEWAY_AUDIO_ANALYSIS: String(audioAnalysis),
    },
  });
  const app = await NestFactory.createApplicationContext(AppModule.register(config), {
    logger: false,
  });
  await app.get(AllocationService).listening;
  const nc = await connect({ servers: natsUrl });
  const ports: number[] = [];
  for (let i = 0; i < streams; i += 1) {
    const reply = await nc.request(
      'media.v1.allocate',
      JSON.stringify({ callId: `bench-${i}`, track: 'caller', codec: 'ulaw', server: 'bench' }),
      { timeout: 5000 },
    );
    ports.push((JSON.parse(reply.string()) as { port: number }).port);
  }
  await nc.close();
  const registry = app.get(MetricsRegistry).registry;
  const valuesOf = async (name: string) =>
    ((await registry.getSingleMetric(name)?.get())?.values ?? []) as MetricValueWithName<string>[];
  return {
    ports,
    received: async () =>
      (await valuesOf('media_gateway_rtp_packets_received_total'))[0]?.value ?? 0,
    batches: async () => {
      const values = await valuesOf('media_gateway_publish_batch_frames');
      const pick = (suffix: string) =>
        values.find((v) => v.metricName === `media_gateway_publish_batch_frames_${suffix}`)
          ?.value ?? 0;
      return { sum: pick('sum'), count: pick('count') };
    },
    close: () => app.close(),
  };
}

async function countingTarget(streams: number): Promise<Target> {
  let count = 0;
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: streams },
      (_, i) =>
        new Promise<Socket>((resolve) => {
          const socket = createSocket('udp4');
          socket.on('message', () => {
            count += 1;
          });
          socket.bind(PORT_BASE + i, '127.0.0.1', () => {
            socket.setRecvBufferSize(1024 * 1024);
            resolve(socket);
          });
        }),
    ),
  );
  return {
    ports: sockets.map((socket) => socket.address().port),
    received: async () => count,
    close: async () => {
      await Promise.all(sockets.map((s) => new Promise<void>((done) => s.close(() => done()))));
    },
  };
}

async function main(): Promise<void> {
  const nats = new NatsTestServer(await freePort());
  await nats.start();
  const sender = new Sender();
  const rows: Row[] = [];
  for (const streams of LEVELS) {
    // On, off, off, on: the process warms up as it goes, so a fixed order would favour the
    // second; in this order drift falls on both alike.
    for (const analysis of [true, false, false, true]) {
      rows.push(
        await measure(
          streams,
          analysis ? GATEWAY : GATEWAY_WITHOUT_ANALYSIS,
          await gatewayTarget(streams, nats.url, analysis),
          sender,
          nats.url,
        ),
      );
    }
    rows.push(await measure(streams, BASELINE, await countingTarget(streams), sender));
  }
  sender.kill();
  await nats.dispose();

  console.table(rows);
  const ratios = LEVELS.map((streams) => {
    const ofLevel = rows.filter((row) => row.streams === streams);
    const mean = (receiver: string) => {
      const picked = ofLevel.filter((row) => row.receiver === receiver);
      return picked.reduce((sum, row) => sum + row.usPerPacket, 0) / picked.length;
    };
    const gateway = mean(GATEWAY);
    const floor = mean(BASELINE);
    return {
      streams,
      usPerPacketOverFloor: Number((gateway - floor).toFixed(2)),
      cpuPerPacketRatio: Number((gateway / floor).toFixed(2)),
      /** The budget: at most 1.10 (+10 % CPU per packet). */
      analysisCostRatio: Number((gateway / mean(GATEWAY_WITHOUT_ANALYSIS)).toFixed(3)),
    };
  });
  console.table(ratios);
  const machine = benchMachine();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    join(RESULTS, 'rtp-receive.json'),
    JSON.stringify(
      {
        benchmark: 'media-gateway CPU per received RTP packet',
        date: new Date().toISOString(),
        machine,
        seconds: SECONDS,
        rows,
        ratios,
      },
      null,
      2,
    ),
  );
  console.log(
    `results written to bench/results/rtp-receive.json (${machine.cores} x ${machine.cpu})`,
  );
}

void main();
