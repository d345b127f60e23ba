import { randomInt } from 'node:crypto';
import type { Socket } from 'node:dgram';
import { ASTERISK_RTP_FORMATS, RTP_HEADER_BYTES, writeRtpHeader } from '@asb/rtp';
import type { ExternalMediaEndpoint } from '../pbx/sim-channel';

export const PACKET_INTERVAL_MS = 20;

export interface StreamCounters {
  sent: number;
  lost: number;
  duplicated: number;
  reordered: number;
}

/**
 * The RTP an externalMedia channel sends, as Asterisk sends it: 20 ms packets, a random SSRC
 * and starting sequence, a timestamp starting at one packet's samples, no marker bit. Packets
 * are built in two alternating buffers, so sending allocates nothing.
 */
export class RtpStream {
  readonly ssrc = randomInt(0, 0xffffffff);
  readonly firstSequence = randomInt(0, 0x10000);
  readonly startedAt = performance.now();
  readonly counters: StreamCounters = { sent: 0, lost: 0, duplicated: 0, reordered: 0 };
  /** Packets produced so far (sent or deliberately dropped). */
  produced = 0;
  private readonly payloadBytes: number;
  private readonly payloadType: number;
  private readonly samplesPerPacket: number;
  private readonly buffers: [Buffer, Buffer];
  private position = 0;

  constructor(
    readonly channelId: string,
    readonly socket: Socket,
    readonly endpoint: ExternalMediaEndpoint,
    private readonly loop: Buffer,
  ) {
    const profile = ASTERISK_RTP_FORMATS[endpoint.format];
    this.payloadBytes = profile.payloadBytes;
    this.payloadType = profile.payloadType;
    this.samplesPerPacket = profile.samplesPerPacket;
    this.buffers = [
      Buffer.alloc(RTP_HEADER_BYTES + this.payloadBytes),
      Buffer.alloc(RTP_HEADER_BYTES + this.payloadBytes),
    ];
  }

  /** Packets that should have been produced by `now` (performance.now()). */
  due(now: number): number {
    return Math.floor((now - this.startedAt) / PACKET_INTERVAL_MS) + 1;
  }

  /** Builds the next packet in place and returns it; valid until the call after next. */
  nextPacket(): Buffer {
    const packet = this.buffers[this.produced & 1];
    writeRtpHeader(packet, 0, {
      payloadType: this.payloadType,
      marker: false,
      sequence: (this.firstSequence + this.produced) & 0xffff,
      timestamp: ((this.produced + 1) * this.samplesPerPacket) >>> 0,
      ssrc: this.ssrc,
    });
    let written = 0;
    while (written < this.payloadBytes) {
      const chunk = Math.min(this.payloadBytes - written, this.loop.length - this.position);
      this.loop.copy(packet, RTP_HEADER_BYTES + written, this.position, this.position + chunk);
      written += chunk;
      this.position = (this.position + chunk) % this.loop.length;
    }
    this.produced += 1;
    return packet;
  }
}
