import { randomUUID } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { Logger } from '@nestjs/common';
import type { AudioTrack, SourceCodec } from '@asb/contracts';
import {
  ASTERISK_RTP_FORMATS,
  createRtpPacketView,
  InterarrivalJitter,
  parseRtpPacket,
  SequenceTracker,
  SequenceVerdict,
} from '@asb/rtp';
import type { FrameDecoder } from '../codecs/frame-decoder';
import type { FramePublisher } from '../frames/frame-publisher';
import { TrackFrameOutput } from '../frames/track-frame-output';
import type { RecentAudioRings } from '../recent-audio/recent-audio.service';
import type { StatsSource, StreamStatsSample } from '../stats/stats-source';
import { CaptureClock } from './capture-clock';
import { ReorderWindow } from './reorder-window';
import { RtpStreamCounters } from './rtp-stream-counters';

/** What an allocation asked for. */
export interface RtpStreamSpec {
  callId: string;
  track: AudioTrack;
  codec: SourceCodec;
  resampleTo16k: boolean;
  /** The PBX's addresses (IPv4 as dotted quads): packets from any other are dropped. */
  sources?: readonly string[];
}

const IPV4_MAPPED = '::ffff:';

/** An address as the allow-list holds it: an IPv4-mapped IPv6 address as plain IPv4. */
export function plainAddress(address: string): string {
  return address.startsWith(IPV4_MAPPED) ? address.slice(IPV4_MAPPED.length) : address;
}

/** GATEWAY_REORDER_WINDOW and GATEWAY_REORDER_MAX_HOLD_MS (unset: derived from the window). */
export interface ReorderSettings {
  window: number;
  maxHoldMs: number | undefined;
}

/** The stream contract's definition of a stalled stream. */
export const STALLED_AFTER_MS = 2000;

/**
 * Receives one allocated RTP stream on its own socket and turns it into frames: accepts only the
 * PBX's addresses, latches the sender, validates each packet against what Asterisk sends for the codec, tracks sequence and
 * jitter, puts packets back in order, decodes them into the frame publisher's memory and queues
 * them for publishing. Nothing here allocates per packet; a bad packet is counted and dropped.
 */
export class RtpReceiver implements StatsSource {
  readonly counters = new RtpStreamCounters();
  /** This allocation's run: on its frames (Audio-Run-Id) and its stats (runId). */
  readonly runId = randomUUID();
  private readonly logger = new Logger(RtpReceiver.name);
  private readonly view = createRtpPacketView();
  private readonly sequence = new SequenceTracker();
  private readonly jitter: InterarrivalJitter;
  private readonly captureClock: CaptureClock;
  private readonly window: ReorderWindow;
  private readonly payloadType: number;
  private readonly payloadBytes: number;
  private readonly output: TrackFrameOutput;
  /** How long held packets may wait for a missing one when no later packet pushes them out. */
  private readonly maxHoldMs: number;
  private readonly openedAt = performance.now();
  private sourceAddress: string | undefined;
  private sourcePort = 0;
  private ssrc: number | undefined;
  private lastPacketAt: number | undefined;
  /** Wall-clock time of the first packet counted, for the stats. */
  private firstPacketAt: string | undefined;
  private failureLogged = false;
  /** Closed: the next stats sample is the last and takes the open activity slot too. */
  private closed = false;

  constructor(
    readonly port: number,
    readonly spec: RtpStreamSpec,
    private readonly socket: Socket,
    private readonly decoder: FrameDecoder,
    frames: FramePublisher,
    reorder: ReorderSettings,
    /** GATEWAY_RELATCH_AFTER_MS: silence of the latched sender after which another may take over. */
    private readonly relatchAfterMs: number,
    /** GATEWAY_AUDIO_ANALYSIS */
    analyseAudio: boolean,
    recentAudio?: RecentAudioRings,
  ) {
    const format = ASTERISK_RTP_FORMATS[spec.codec];
    this.payloadType = format.payloadType;
    this.payloadBytes = format.payloadBytes;
    this.jitter = new InterarrivalJitter(format.sampleRate);
    this.captureClock = new CaptureClock(format.sampleRate);
    const frameMs = (format.samplesPerPacket * 1000) / format.sampleRate;
    this.output = new TrackFrameOutput(
      frames,
      {
        callId: spec.callId,
        track: spec.track,
        codec: spec.codec,
        sampleRate: decoder.sampleRate,
        sourceRate: format.sampleRate,
        frameMs,
        runId: this.runId,
      },
      analyseAudio,
      recentAudio,
    );
    this.maxHoldMs = reorder.maxHoldMs ?? (reorder.window + 2) * frameMs;
    this.window = new ReorderWindow(reorder.window, this.counters, this.queueFrame);
    socket.on('message', (packet, source) => {
      try {
        this.receive(packet, source);
      } catch (error) {
        this.counters.reject('receiver_error');
        if (this.failureLogged) return;
        this.failureLogged = true;
        this.logger.error(
          `port ${port} (${spec.callId}/${spec.track}) failed on a packet: ${(error as Error).stack}`,
        );
      }
    });
  }

  /** The last valid packet, or the allocation while none has come: what idleness counts from. */
  get lastActivityAt(): number {
    return this.lastPacketAt ?? this.openedAt;
  }

  releaseIfStale(nowMs: number): void {
    this.window.releaseIfStale(nowMs, this.maxHoldMs);
  }

  /** Queues what the reorder window still holds, then closes the socket. */
  close(): Promise<void> {
    this.window.flush();
    this.output.close();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  sampleStats(nowMs: number): StreamStatsSample {
    const { counters } = this;
    const sinceLastPacket = nowMs - this.lastActivityAt;
    return {
      callId: this.spec.callId,
      track: this.spec.track,
      codec: this.spec.codec,
      sampleRate: this.decoder.sampleRate,
      ssrc: this.ssrc,
      firstPacketAt: this.firstPacketAt,
      packets: counters.packets,
      bytes: counters.bytes,
      lost: counters.lost,
      duplicates: counters.duplicates,
      reordered: counters.reordered,
      late: counters.late,
      rejected: counters.rejected,
      jitterMs: Math.round(this.jitter.jitterMs() * 1000) / 1000,
      lastPacketAgeMs: Math.round(sinceLastPacket),
      levelDbfs: this.output.takeLevelDbfs(),
      stalled: sinceLastPacket >= STALLED_AFTER_MS,
      audio: this.output.audio(this.closed),
      final: this.closed || undefined,
    };
  }

  private receive(packet: Buffer, source: RemoteInfo): void {
    const { counters, view } = this;
    counters.datagrams += 1;
    if (this.spec.sources && !this.spec.sources.includes(plainAddress(source.address))) {
      counters.reject('foreign_source');
      return;
    }
    const otherSender =
      this.sourceAddress !== undefined &&
      (source.port !== this.sourcePort || source.address !== this.sourceAddress);
    if (otherSender && performance.now() - this.lastActivityAt < this.relatchAfterMs) {
      counters.reject('wrong_source');
      return;
    }
    const malformed = parseRtpPacket(packet, view);
    if (malformed !== null) {
      counters.reject(malformed);
      return;
    }
    if (view.payloadType !== this.payloadType) {
      counters.reject('wrong_payload_type');
      return;
    }
    if (view.payloadLength !== this.payloadBytes) {
      counters.reject('bad_payload_size');
      return;
    }
    // Latched on the first *valid* packet, so a stray datagram that reaches the port first
    // cannot lock Asterisk out.
    const verdict = otherSender
      ? this.followNewSender(source, view.sequence)
      : this.sequence.update(view.sequence);
    if (this.sourceAddress === undefined || otherSender) {
      this.sourceAddress = source.address;
      this.sourcePort = source.port;
    }
    if (verdict === 'bad') {
      counters.reject('bad_sequence');
      return;
    }
    const now = performance.now();
    this.firstPacketAt ??= new Date().toISOString();
    counters.packets += 1;
    counters.bytes += packet.length;
    this.lastPacketAt = now;
    this.ssrc = view.ssrc;
    if (verdict === 'duplicate') {
      counters.duplicates += 1;
      return;
    }
    if (verdict === 'restart') {
      this.window.restart();
      this.jitter.reset();
      this.captureClock.reset();
    }
    this.jitter.update(view.timestamp, now);
    const capturedAt = this.captureClock.stamp(view.timestamp, Date.now());
    this.window.push(view.sequence, packet, view.payloadOffset, now, capturedAt);
  }

  /** The stream's packets come from another sender now; its numbering starts anew. */
  private followNewSender(source: RemoteInfo, sequence: number): SequenceVerdict {
    this.counters.relatched += 1;
    this.logger.warn(
      `port ${this.port} (${this.spec.callId}/${this.spec.track}): ${this.sourceAddress}:${this.sourcePort} silent for ${this.relatchAfterMs} ms, now receiving from ${source.address}:${source.port}`,
    );
    this.sequence.followNewSender(sequence);
    return 'restart';
  }

  /** Called by the reorder window in sequence order; `place` counts given-up places too. */
  private readonly queueFrame = (
    packet: Buffer,
    payloadOffset: number,
    place: number,
    capturedAt: number,
  ): void => {
    const { output } = this;
    const count = this.decoder.samplesPerFrame;
    const offset = output.reserve(count);
    this.decoder.decode(packet, payloadOffset, output.samples, offset);
    output.commit(offset, count, place, capturedAt);
  };
}
