import type { AudioTrack, SourceCodec, StreamAudio } from '@asb/contracts';
import { SILENCE_DBFS, TrackAudioAnalyzer } from '@asb/rtp';
import type { RecentAudioRing } from '../recent-audio/recent-audio-ring';
import type { RecentAudioRings } from '../recent-audio/recent-audio.service';
import { AudioFrameStream, audioFrameStream, FramePublisher } from './frame-publisher';

const FULL_SCALE_SQUARED = 32768 * 32768;

function sumOfSquares(samples: Int16Array, offset: number, count: number): number {
  let sum = 0;
  for (let i = offset; i < offset + count; i += 1) sum += samples[i] * samples[i];
  return sum;
}

/**
 * Where one track's decoded frames go, whatever transport brought them: into the frame
 * publisher's memory and queue, into the ring of recent audio (before it is published, so a late
 * joiner's history and live frames meet without a gap), through the audio analysis, and into the
 * level of the next stats sample. A receiver reserves a frame, decodes into `samples` at the
 * offset, then commits it. Plain numbers only; nothing here allocates per frame.
 */
export class TrackFrameOutput {
  private readonly stream: AudioFrameStream;
  private readonly analyzer: TrackAudioAnalyzer | undefined;
  private readonly recent: RecentAudioRing | undefined;
  private framesQueued = 0;
  private levelSumOfSquares = 0;
  private levelSamples = 0;

  constructor(
    private readonly frames: FramePublisher,
    stream: {
      callId: string;
      track: AudioTrack;
      codec: SourceCodec;
      /** Of the decoded samples. */
      sampleRate: number;
      /** Of the source: only a 16 kHz source can carry 8 kHz audio in disguise. */
      sourceRate: number;
      frameMs: number;
      runId: string;
    },
    /** GATEWAY_AUDIO_ANALYSIS */
    analyseAudio: boolean,
    private readonly recentAudio?: RecentAudioRings,
  ) {
    this.stream = audioFrameStream(
      stream.callId,
      stream.track,
      stream.codec,
      stream.sampleRate,
      stream.frameMs,
      stream.runId,
    );
    this.analyzer = analyseAudio
      ? new TrackAudioAnalyzer(stream.frameMs, stream.sourceRate === 16000)
      : undefined;
    this.recent = recentAudio?.open({
      callId: stream.callId,
      track: stream.track,
      codec: stream.codec,
      sampleRate: stream.sampleRate,
      frameMs: stream.frameMs,
      runId: stream.runId,
    });
  }

  /** Where reserved frames are decoded to; read it after reserve(), which may switch it. */
  get samples(): Int16Array {
    return this.frames.slab.samples;
  }

  /** Reserves `count` samples for the next frame; returns the index of the first in `samples`. */
  reserve(count: number): number {
    return this.frames.slab.reserve(count);
  }

  /**
   * Queues the frame decoded at `offset`. `place` is its place in the stream, given-up places
   * included, so a gap shows in the frame's sample time.
   */
  commit(offset: number, count: number, place: number, capturedAt: number): void {
    const samples = this.frames.slab.samples;
    this.levelSumOfSquares += this.analyzer
      ? this.analyzer.analyse(samples, offset, count, capturedAt)
      : sumOfSquares(samples, offset, count);
    this.levelSamples += count;
    const payload = this.frames.slab.payload(offset, count);
    const timestamp = place * count;
    this.recent?.push(payload, this.framesQueued, timestamp, capturedAt);
    this.frames.enqueue(this.stream, payload, this.framesQueued, timestamp, capturedAt);
    this.framesQueued += 1;
  }

  /** The track ended: its recent audio is no longer offered. */
  close(): void {
    if (this.recent) this.recentAudio?.close(this.recent);
  }

  /** The level in dBFS since the previous call (the stats interval), then starts a new one. */
  takeLevelDbfs(): number {
    const levelDbfs =
      this.levelSamples === 0
        ? SILENCE_DBFS
        : Math.max(
            SILENCE_DBFS,
            10 * Math.log10(this.levelSumOfSquares / this.levelSamples / FULL_SCALE_SQUARED),
          );
    this.levelSumOfSquares = 0;
    this.levelSamples = 0;
    return Math.round(levelDbfs * 10) / 10;
  }

  /** The analysis for a stats sample (undefined when it is off); `final` on the stream's last. */
  audio(final: boolean): StreamAudio | undefined {
    return this.analyzer?.sample(final);
  }
}
