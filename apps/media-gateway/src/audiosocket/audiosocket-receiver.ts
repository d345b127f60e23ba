import type { AudioSocketTap } from '@asb/contracts';
import { InterarrivalJitter } from '@asb/rtp';
import type { FrameDecoder } from '../codecs/frame-decoder';
import type { FramePublisher } from '../frames/frame-publisher';
import { TrackFrameOutput } from '../frames/track-frame-output';
import type { RecentAudioRings } from '../recent-audio/recent-audio.service';
import { CaptureClock } from '../rtp/capture-clock';
import { STALLED_AFTER_MS } from '../rtp/rtp-receiver';
import type { StatsSource, StreamStatsSample } from '../stats/stats-source';

/** Asterisk 18's AudioSocket audio: signed linear 8 kHz, cut here into 20 ms frames. */
const SOURCE_RATE = 8000;
const FRAME_SAMPLES = 160;
const FRAME_BYTES = FRAME_SAMPLES * 2;
const FRAME_MS = 20;
const HEADER_BYTES = 3;

/** Counts of one AudioSocket stream, as its stats report them. */
export interface AudioSocketStreamCounters {
  messages: number;
  bytes: number;
  /** Audio messages dropped: an odd length cannot be 16-bit samples. */
  rejected: number;
}

/**
 * Turns one AudioSocket connection's audio into the same frames and stats an RTP stream of the
 * track gives: the audio is cut into 20 ms frames whatever size Asterisk's messages are (a SIP
 * leg with 30 ms packets sends 480 bytes), numbered in order, and stamped with capture times
 * from when the audio arrived and how much came before it, as AudioSocket has no timestamps or
 * sequence numbers. TCP loses and reorders nothing, so neither is counted.
 */
export class AudioSocketReceiver implements StatsSource {
  /** The tap's UUID: ari-ingest knows its tap by it, so it can tell which gateway serves it. */
  readonly runId: string;
  readonly counters: AudioSocketStreamCounters = { messages: 0, bytes: 0, rejected: 0 };
  private readonly output: TrackFrameOutput;
  private readonly jitter = new InterarrivalJitter(SOURCE_RATE);
  private readonly captureClock = new CaptureClock(SOURCE_RATE);
  /** The frame being assembled, aligned for the decoder. */
  private readonly frame = Buffer.alloc(FRAME_BYTES);
  private frameBytes = 0;
  /** Samples received so far: the stream's own clock. */
  private samples = 0;
  private frames = 0;
  private readonly openedAt = performance.now();
  private lastMessageAt: number | undefined;
  private firstMessageAt: string | undefined;
  private closed = false;

  constructor(
    readonly tap: AudioSocketTap,
    private readonly decoder: FrameDecoder,
    frames: FramePublisher,
    analyseAudio: boolean,
    recentAudio?: RecentAudioRings,
  ) {
    this.runId = tap.uuid;
    this.output = new TrackFrameOutput(
      frames,
      {
        callId: tap.callId,
        track: tap.track,
        codec: 'slin',
        sampleRate: decoder.sampleRate,
        sourceRate: SOURCE_RATE,
        frameMs: FRAME_MS,
        runId: this.runId,
      },
      analyseAudio,
      recentAudio,
    );
  }

  /** One audio message's payload; valid only during the call. */
  audio(payload: Buffer): void {
    const now = performance.now();
    this.counters.messages += 1;
    this.counters.bytes += HEADER_BYTES + payload.length;
    if ((payload.length & 1) === 1) {
      this.counters.rejected += 1;
      return;
    }
    this.firstMessageAt ??= new Date().toISOString();
    this.lastMessageAt = now;
    this.jitter.update(this.samples, now);
    const arrivedAt = Date.now();
    let offset = 0;
    while (offset < payload.length) {
      const take = Math.min(FRAME_BYTES - this.frameBytes, payload.length - offset);
      payload.copy(this.frame, this.frameBytes, offset, offset + take);
      this.frameBytes += take;
      offset += take;
      if (this.frameBytes === FRAME_BYTES) this.emitFrame(arrivedAt);
    }
    this.samples += payload.length / 2;
  }

  /** The connection ended: the next stats sample is the last. */
  close(): void {
    this.output.close();
    this.closed = true;
  }

  sampleStats(nowMs: number): StreamStatsSample {
    const sinceLastMessage = nowMs - (this.lastMessageAt ?? this.openedAt);
    return {
      callId: this.tap.callId,
      track: this.tap.track,
      codec: 'slin',
      sampleRate: this.decoder.sampleRate,
      firstPacketAt: this.firstMessageAt,
      packets: this.counters.messages,
      bytes: this.counters.bytes,
      lost: 0,
      duplicates: 0,
      reordered: 0,
      late: 0,
      rejected: this.counters.rejected,
      jitterMs: Math.round(this.jitter.jitterMs() * 1000) / 1000,
      lastPacketAgeMs: Math.round(sinceLastMessage),
      levelDbfs: this.output.takeLevelDbfs(),
      stalled: sinceLastMessage >= STALLED_AFTER_MS,
      audio: this.output.audio(this.closed),
      final: this.closed || undefined,
    };
  }

  private emitFrame(arrivedAt: number): void {
    this.frameBytes = 0;
    const { output } = this;
    const count = this.decoder.samplesPerFrame;
    const offset = output.reserve(count);
    this.decoder.decode(this.frame, 0, output.samples, offset);
    const capturedAt = this.captureClock.stamp(this.frames * FRAME_SAMPLES, arrivedAt);
    output.commit(offset, count, this.frames, capturedAt);
    this.frames += 1;
  }
}
