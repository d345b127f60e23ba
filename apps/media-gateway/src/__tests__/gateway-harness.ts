import { createSocket, Socket } from 'node:dgram';
import { Worker } from 'node:worker_threads';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Msg } from 'nats';
import {
  AudioFrame,
  decodeJson,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_RELEASE_SUBJECT,
  MediaAllocateReply,
  mediaAllocateReplySchema,
  MediaAllocateRequest,
  mediaReleaseReplySchema,
  parseAudioFrame,
  SourceCodec,
} from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import {
  ASTERISK_RTP_FORMATS,
  encodeAlawInto,
  encodeUlawInto,
  pcm16ToSlinBeInto,
  RTP_HEADER_BYTES,
  writeRtpHeader,
} from '@asb/rtp';
import { eventually, freePort, PrivateNats, sleep, uniqueCallId } from '@asb/testing';
import { AppModule } from '../app/app.module';
import { loadMediaGatewayConfig } from '../config/media-gateway.config';
import { GatewayIdentity } from '../identity/gateway-identity';
import { AllocationService } from '../ports/allocation.service';

/** Re-exported for the specs, which import their support from here. */
export { eventually, sleep, uniqueCallId };

/**
 * Test support: a private nats-server per spec file (the allocate subject and queue group are
 * fixed by the contract, so on a shared server any other gateway, e.g. one of the e2e tests,
 * could take a test's allocation), gateways built from the real AppModule, and an RTP sender
 * that builds packets with @asb/rtp as Asterisk would.
 */

export class TestNats extends PrivateNats {
  static async start(): Promise<TestNats> {
    const [server, nc] = await PrivateNats.launch();
    return new TestNats(server, nc);
  }

  async allocate(request: MediaAllocateRequest, timeoutMs = 2000): Promise<MediaAllocateReply> {
    return this.requestAllocate(new TextEncoder().encode(JSON.stringify(request)), timeoutMs);
  }

  async requestAllocate(data: Uint8Array, timeoutMs = 2000): Promise<MediaAllocateReply> {
    const reply = await this.nc.request(MEDIA_ALLOCATE_SUBJECT, data, { timeout: timeoutMs });
    return decodeJson(mediaAllocateReplySchema, reply.data, MEDIA_CONTROL_MAX_BYTES);
  }

  /** The owner's answer, or 'no answer' when every gateway stayed silent. */
  async release(
    allocationId: string,
    gatewayId: string,
    timeoutMs = 300,
  ): Promise<{ ok: boolean; error?: string } | 'no answer'> {
    const data = new TextEncoder().encode(JSON.stringify({ allocationId, gatewayId }));
    try {
      const reply = await this.nc.request(MEDIA_RELEASE_SUBJECT, data, { timeout: timeoutMs });
      return decodeJson(mediaReleaseReplySchema, reply.data, MEDIA_CONTROL_MAX_BYTES);
    } catch (error) {
      if ((error as { code?: string }).code === 'TIMEOUT') return 'no answer';
      throw error;
    }
  }

  /** Collects every message of a subject from now on. */
  collect(subject: string): Msg[] {
    const messages: Msg[] = [];
    this.nc.subscribe(subject, { callback: (error, message) => error || messages.push(message) });
    return messages;
  }
}

export interface TestGateway {
  app: INestApplicationContext;
  gatewayId: string;
  /** This process's boot id, as its heartbeats, allocations and stats carry it. */
  bootId: string;
  portMin: number;
  portMax: number;
  /** Current value of a metric (0 when the labelled series does not exist yet). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

export async function startGateway(
  nats: TestNats,
  env: Record<string, string> = {},
  ports = 4,
): Promise<TestGateway> {
  const portMin = await freePort();
  const gatewayId = `gw-${uniqueCallId('t')}`;
  const config = loadMediaGatewayConfig({
    env: {
      NATS_SERVERS: nats.url,
      NATS_RECONNECT_WAIT_MS: '100',
      LOG_LEVEL: 'silent',
      GATEWAY_ID: gatewayId,
      GATEWAY_BIND_HOST: '127.0.0.1',
      GATEWAY_PORT_MIN: String(portMin),
      GATEWAY_PORT_MAX: String(portMin + ports - 1),
      ...env,
    },
  });
  const app = await NestFactory.createApplicationContext(AppModule.register(config), {
    logger: false,
  });
  await app.get(AllocationService).listening;
  const registry = app.get(MetricsRegistry).registry;
  return {
    app,
    gatewayId,
    bootId: app.get(GatewayIdentity).bootId,
    portMin,
    portMax: config.GATEWAY_PORT_MAX,
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      const match = values.find((value) =>
        Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
      );
      return match?.value ?? 0;
    },
    close: () => app.close(),
  };
}

/** Source samples of frame `index`: a tone plus a ramp, so every frame differs. */
export function testSamples(index: number, count: number, sampleRate: number): Int16Array {
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i += 1) {
    const t = (index * count + i) / sampleRate;
    samples[i] = Math.round(12000 * Math.sin(2 * Math.PI * 440 * t) + ((i * 97) % 4000) - 2000);
  }
  return samples;
}

export interface PacketFields {
  sequence: number;
  timestamp?: number;
  payloadType?: number;
  ssrc?: number;
}

/** An RTP sender on its own loopback port, as an externalMedia channel. */
export class RtpTestSender {
  private constructor(
    private readonly socket: Socket,
    private readonly port: number,
    readonly codec: SourceCodec,
  ) {}

  /** Sends from `address`: any 127.x address is this machine's, so a test can be two hosts. */
  static async open(
    port: number,
    codec: SourceCodec,
    address = '127.0.0.1',
  ): Promise<RtpTestSender> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, address, resolve));
    return new RtpTestSender(socket, port, codec);
  }

  get format() {
    return ASTERISK_RTP_FORMATS[this.codec];
  }

  /** A packet of the allocated codec carrying testSamples(sequence-based index). */
  packet(fields: PacketFields, samples: Int16Array): Buffer {
    const { format } = this;
    const packet = Buffer.alloc(RTP_HEADER_BYTES + format.payloadBytes);
    writeRtpHeader(packet, 0, {
      payloadType: fields.payloadType ?? format.payloadType,
      marker: false,
      sequence: fields.sequence,
      timestamp: fields.timestamp ?? (fields.sequence + 1) * format.samplesPerPacket,
      ssrc: fields.ssrc ?? 0x11223344,
    });
    if (this.codec === 'ulaw') encodeUlawInto(samples, packet, RTP_HEADER_BYTES);
    else if (this.codec === 'alaw') encodeAlawInto(samples, packet, RTP_HEADER_BYTES);
    else pcm16ToSlinBeInto(samples, packet, RTP_HEADER_BYTES);
    return packet;
  }

  /** Sends the packet of `sequence` with the samples of frame `index` (default: the sequence). */
  sendFrame(sequence: number, index = sequence, fields: Partial<PacketFields> = {}): Promise<void> {
    const { format } = this;
    return this.send(
      this.packet(
        { sequence, ...fields },
        testSamples(index, format.samplesPerPacket, format.sampleRate),
      ),
    );
  }

  send(datagram: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(datagram, this.port, '127.0.0.1', (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  }

  close(): void {
    this.socket.close();
  }
}

/** Holds this thread's event loop, where the gateway under test runs, for `ms`. */
export function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy, on purpose
  }
}

/** Keeps the event loop busy in chunks of `chunkMs` until stopped, as a saturated gateway's is. */
export function saturateEventLoop(chunkMs: number): () => void {
  let running = true;
  const chunk = () => {
    if (!running) return;
    blockEventLoop(chunkMs);
    setImmediate(chunk);
  };
  setImmediate(chunk);
  return () => {
    running = false;
  };
}

/**
 * Sends prepared packets every 20 ms from a worker thread, so they keep coming while the test
 * blocks this thread's event loop (where the gateway under test runs).
 */
export class RtpWorkerSender {
  private constructor(private readonly worker: Worker) {}

  /** Starts sending `packets` to `port`; `done` resolves once the last one is sent. */
  static start(port: number, packets: Buffer[]): { sender: RtpWorkerSender; done: Promise<void> } {
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const socket = require('node:dgram').createSocket('udp4');
      let next = 0;
      const timer = setInterval(() => {
        if (next >= workerData.packets.length) {
          clearInterval(timer);
          socket.close(() => parentPort.postMessage('done'));
          return;
        }
        socket.send(workerData.packets[next++], workerData.port, '127.0.0.1');
      }, 20);
      `,
      { eval: true, workerData: { port, packets } },
    );
    const done = new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    return { sender: new RtpWorkerSender(worker), done };
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}

/** Decoded, validated frames of a subject, in arrival order. */
export class FrameCollector {
  private readonly messages: Msg[];

  constructor(nats: TestNats, subject: string) {
    this.messages = nats.collect(subject);
  }

  get count(): number {
    return this.messages.length;
  }

  frames(): Array<AudioFrame & { samples: Int16Array }> {
    return this.messages.map((message) => {
      const frame = parseAudioFrame(
        (name) => message.headers?.get(name) || undefined,
        message.data,
      );
      // A copy, so the samples are aligned whatever the offset of the payload in its buffer.
      const samples = new Int16Array(Uint8Array.from(frame.pcm).buffer);
      return { ...frame, samples };
    });
  }

  async waitFor(count: number, timeoutMs = 3000): Promise<void> {
    await eventually(() => this.messages.length >= count, timeoutMs, `${count} frames`);
  }
}
