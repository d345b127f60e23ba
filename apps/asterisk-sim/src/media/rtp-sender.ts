import { createSocket, Socket } from 'node:dgram';
import { Logger } from '@nestjs/common';
import type { MediaPlane } from '../pbx/asterisk-instance';
import { AriError } from '../pbx/ari-error';
import type { ExternalMediaEndpoint } from '../pbx/sim-channel';
import { FixtureLibrary } from './fixture-library';
import { RtpStream, StreamCounters } from './rtp-stream';

/** Network faults applied to every stream, in percent of packets (jitter: extra delay up to jitterMs). */
export interface RtpFaults {
  lossPercent: number;
  duplicatePercent: number;
  reorderPercent: number;
  jitterMs: number;
}

export const NO_RTP_FAULTS: RtpFaults = {
  lossPercent: 0,
  duplicatePercent: 0,
  reorderPercent: 0,
  jitterMs: 0,
};

export interface StreamReport extends StreamCounters {
  channelId: string;
  localPort: number;
  destination: string;
  format: string;
  ssrc: number;
  firstSequence: number;
  active: boolean;
}

export interface RtpSenderOptions {
  bindAddress: string;
  portMin: number;
  portMax: number;
  /** Most packets one stream may catch up in one tick after the event loop was held up. */
  maxBurst?: number;
}

const TICK_MS = 10;
const FINISHED_REPORTS_KEPT = 10_000;

/**
 * Sends the RTP of every externalMedia channel of every simulated Asterisk from one timer: each
 * tick, every stream sends the packets that are due, so 4,000 streams cost one timer, not 4,000.
 */
export class RtpSender implements MediaPlane {
  private readonly logger = new Logger(RtpSender.name);
  private readonly sockets = new Map<number, Socket>();
  private readonly streams = new Map<string, RtpStream>();
  /** Streams whose socket is still connecting to the destination. */
  private readonly connecting = new Set<string>();
  private readonly connected = new WeakSet<Socket>();
  private readonly finished: StreamReport[] = [];
  private nextPort: number;
  private timer?: NodeJS.Timeout;
  private held?: { stream: RtpStream; packet: Buffer };
  faults: RtpFaults = { ...NO_RTP_FAULTS };

  constructor(
    private readonly fixtures: FixtureLibrary,
    private readonly options: RtpSenderOptions,
  ) {
    this.nextPort = options.portMin;
  }

  async allocateLocalPort(): Promise<{ address: string; port: number }> {
    const span = this.options.portMax - this.options.portMin + 1;
    for (let tries = 0; tries < span; tries += 1) {
      const port = this.nextPort;
      this.nextPort = port >= this.options.portMax ? this.options.portMin : port + 1;
      if (this.sockets.has(port)) continue;
      const socket = await this.bind(port).catch(() => undefined);
      if (socket) {
        this.sockets.set(port, socket);
        return { address: this.options.bindAddress, port };
      }
    }
    this.logger.error(`no free UDP port in ${this.options.portMin}-${this.options.portMax}`);
    throw AriError.internal();
  }

  private bind(port: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(port, this.options.bindAddress, () => {
        socket.removeListener('error', reject);
        // A receiver that is gone makes sends fail with ECONNREFUSED; Asterisk keeps sending.
        socket.on('error', () => undefined);
        resolve(socket);
      });
    });
  }

  releaseLocalPort(port: number): void {
    const socket = this.sockets.get(port);
    this.sockets.delete(port);
    socket?.close();
  }

  startStream(channelId: string, endpoint: ExternalMediaEndpoint, voices: string[]): void {
    if (this.streams.has(channelId) || this.connecting.has(channelId)) return;
    const socket = this.sockets.get(endpoint.localPort);
    if (!socket) return;
    const begin = () => {
      if (!this.connecting.delete(channelId) || this.sockets.get(endpoint.localPort) !== socket)
        return;
      const loop = this.fixtures.encodedLoop(voices, endpoint.format);
      this.streams.set(channelId, new RtpStream(channelId, socket, endpoint, loop));
      this.timer ??= setInterval(() => this.tick(), TICK_MS);
    };
    this.connecting.add(channelId);
    // An externalMedia channel sends to one destination for its life: connect once, then every
    // send goes without an address lookup.
    if (this.connected.has(socket)) begin();
    else {
      socket.connect(endpoint.port, endpoint.host, () => {
        this.connected.add(socket);
        begin();
      });
    }
  }

  stopStream(channelId: string): void {
    this.connecting.delete(channelId);
    const stream = this.streams.get(channelId);
    if (!stream) return;
    this.streams.delete(channelId);
    this.finished.push(this.report(stream, false));
    if (this.finished.length > FINISHED_REPORTS_KEPT) this.finished.shift();
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tick(): void {
    const now = performance.now();
    const maxBurst = this.options.maxBurst ?? 10;
    for (const stream of this.streams.values()) {
      const due = Math.min(stream.due(now), stream.produced + maxBurst);
      while (stream.produced < due) this.send(stream, stream.nextPacket());
    }
  }

  private send(stream: RtpStream, packet: Buffer): void {
    const { lossPercent, duplicatePercent, reorderPercent, jitterMs } = this.faults;
    if (lossPercent > 0 && Math.random() * 100 < lossPercent) {
      stream.counters.lost += 1;
      return;
    }
    if (reorderPercent > 0 && !this.held && Math.random() * 100 < reorderPercent) {
      // Held back and sent after the stream's next packet: the two arrive swapped.
      this.held = { stream, packet: Buffer.from(packet) };
      stream.counters.reordered += 1;
      return;
    }
    this.transmit(stream, packet, jitterMs);
    if (duplicatePercent > 0 && Math.random() * 100 < duplicatePercent) {
      this.transmit(stream, packet, jitterMs);
      stream.counters.duplicated += 1;
    }
    if (this.held?.stream === stream) {
      this.transmit(stream, this.held.packet, jitterMs);
      this.held = undefined;
    }
  }

  private transmit(stream: RtpStream, packet: Buffer, jitterMs: number): void {
    stream.counters.sent += 1;
    if (jitterMs > 0) {
      const copy = Buffer.from(packet);
      setTimeout(() => stream.socket.send(copy), Math.random() * jitterMs);
    } else {
      stream.socket.send(packet);
    }
  }

  private report(stream: RtpStream, active: boolean): StreamReport {
    return {
      channelId: stream.channelId,
      localPort: stream.endpoint.localPort,
      destination: `${stream.endpoint.host}:${stream.endpoint.port}`,
      format: stream.endpoint.format,
      ssrc: stream.ssrc,
      firstSequence: stream.firstSequence,
      active,
      ...stream.counters,
    };
  }

  /** Every stream still sending, then the most recent finished ones. */
  reports(): StreamReport[] {
    return [...[...this.streams.values()].map((s) => this.report(s, true)), ...this.finished];
  }

  get activeStreams(): number {
    return this.streams.size;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const id of [...this.streams.keys()]) this.stopStream(id);
    for (const port of [...this.sockets.keys()]) this.releaseLocalPort(port);
  }
}
