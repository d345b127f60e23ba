/**
 * One receiver of the media-gateway benchmark, in a process of its own so that its CPU time is
 * its own and no earlier receiver's code or garbage weighs on it: the real gateway (with or
 * without its audio analysis) or a bare receiver that only counts datagrams. Driven over IPC by
 * rtp-receive.bench.ts: `start` -> `ready` with the ports to send to, `sample` -> the counters and
 * this process's CPU time, `close`.
 */
import { createSocket, Socket } from 'node:dgram';
import { NestFactory } from '@nestjs/core';
import { connect } from 'nats';
import type { MetricValueWithName } from 'prom-client';
import { MetricsRegistry } from '@asb/observability';
import { AppModule } from '../src/app/app.module';
import { loadMediaGatewayConfig } from '../src/config/media-gateway.config';
import { AllocationService } from '../src/ports/allocation.service';

export interface TargetSpec {
  kind: 'gateway' | 'counting';
  streams: number;
  portBase: number;
  natsUrl: string;
  audioAnalysis: boolean;
}

export interface TargetSample {
  received: number;
  batchSum: number;
  batchCount: number;
  cpuMicros: number;
}

interface Target {
  ports: number[];
  sample(): Promise<Omit<TargetSample, 'cpuMicros'>>;
  close(): Promise<void>;
}

async function gatewayTarget(spec: TargetSpec): Promise<Target> {
  const config = loadMediaGatewayConfig({
    env: {
      NATS_SERVERS: spec.natsUrl,
      LOG_LEVEL: 'silent',
      GATEWAY_ID: 'bench',
      GATEWAY_BIND_HOST: '127.0.0.1',
      GATEWAY_PORT_MIN: String(spec.portBase),
      GATEWAY_PORT_MAX: String(spec.portBase + spec.streams + 100),
      GATEWAY_UDP_RECV_BUFFER_BYTES: String(1024 * 1024),
      GATEWAY_AUDIO_ANALYSIS: String(spec.audioAnalysis),
    },
  });
  const app = await NestFactory.createApplicationContext(AppModule.register(config), {
    logger: false,
  });
  await app.get(AllocationService).listening;
  const nc = await connect({ servers: spec.natsUrl });
  const ports: number[] = [];
  for (let i = 0; i < spec.streams; i += 1) {
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
    sample: async () => {
      const batches = await valuesOf('media_gateway_publish_batch_frames');
      const pick = (suffix: string) =>
        batches.find((v) => v.metricName === `media_gateway_publish_batch_frames_${suffix}`)
          ?.value ?? 0;
      return {
        received: (await valuesOf('media_gateway_rtp_packets_received_total'))[0]?.value ?? 0,
        batchSum: pick('sum'),
        batchCount: pick('count'),
      };
    },
    close: () => app.close(),
  };
}

async function countingTarget(spec: TargetSpec): Promise<Target> {
  let count = 0;
  const sockets: Socket[] = await Promise.all(
    Array.from(
      { length: spec.streams },
      (_, i) =>
        new Promise<Socket>((resolve) => {
          const socket = createSocket('udp4');
          socket.on('message', () => {
            count += 1;
          });
          socket.bind(spec.portBase + i, '127.0.0.1', () => {
            socket.setRecvBufferSize(1024 * 1024);
            resolve(socket);
          });
        }),
    ),
  );
  return {
    ports: sockets.map((socket) => socket.address().port),
    sample: async () => ({ received: count, batchSum: 0, batchCount: 0 }),
    close: async () => {
      await Promise.all(sockets.map((s) => new Promise<void>((done) => s.close(() => done()))));
    },
  };
}

let target: Target | undefined;
process.on('message', (message: { type: string; spec?: TargetSpec }) => {
  void (async () => {
    if (message.type === 'start' && message.spec) {
      const spec = message.spec;
      target = spec.kind === 'gateway' ? await gatewayTarget(spec) : await countingTarget(spec);
      process.send?.({ type: 'ready', ports: target.ports });
    } else if (message.type === 'sample' && target) {
      const cpu = process.cpuUsage();
      process.send?.({
        type: 'sample',
        ...(await target.sample()),
        cpuMicros: cpu.user + cpu.system,
      });
    } else if (message.type === 'close') {
      await target?.close();
      process.send?.({ type: 'closed' });
      process.exit(0);
    }
  })();
});
