import type { AudioFrameMeta, AudioTrack, SourceCodec } from '@asb/contracts';

/** The stream a ring holds: what every frame of it has in common. */
export interface RecentAudioTrack {
  callId: string;
  track: AudioTrack;
  codec: SourceCodec;
  /** Of the published (decoded) samples. */
  sampleRate: number;
  frameMs: number;
  runId: string;
}

/**
 * The last seconds of one track's published frames, in memory fixed when the track is opened:
 * `capacity` slots of one frame's PCM each, and the per-frame header values (sequence, sample
 * timestamp, capture time) in typed arrays beside them. Pushing copies the frame's bytes into
 * the oldest slot and allocates nothing; a frame of another size than the stream's is not held.
 */
export class RecentAudioRing {
  readonly capacity: number;
  readonly frameBytes: number;
  private readonly pcm: Buffer;
  private readonly sequences: Float64Array;
  private readonly timestamps: Float64Array;
  private readonly capturedAts: Float64Array;
  /** Frames pushed since the track opened; the newest is in slot (pushed - 1) % capacity. */
  private pushed = 0;

  constructor(
    readonly track: RecentAudioTrack,
    boundSeconds: number,
  ) {
    this.capacity = Math.ceil((boundSeconds * 1000) / track.frameMs);
    this.frameBytes = ((track.sampleRate * track.frameMs) / 1000) * 2;
    this.pcm = Buffer.alloc(this.capacity * this.frameBytes);
    this.sequences = new Float64Array(this.capacity);
    this.timestamps = new Float64Array(this.capacity);
    this.capturedAts = new Float64Array(this.capacity);
  }

  /** Bytes this ring holds whether full or not. */
  get bytes(): number {
    return this.pcm.byteLength + this.capacity * 3 * Float64Array.BYTES_PER_ELEMENT;
  }

  /** Frames held now. */
  get held(): number {
    return Math.min(this.pushed, this.capacity);
  }

  push(payload: Uint8Array, sequence: number, timestamp: number, capturedAt: number): void {
    if (payload.byteLength !== this.frameBytes) return;
    const slot = this.pushed % this.capacity;
    this.pcm.set(payload, slot * this.frameBytes);
    this.sequences[slot] = sequence;
    this.timestamps[slot] = timestamp;
    this.capturedAts[slot] = capturedAt;
    this.pushed += 1;
  }

  /** How many of the newest frames make the last `seconds` (all held when undefined). */
  countFor(seconds: number | undefined): number {
    if (seconds === undefined) return this.held;
    return Math.min(this.held, Math.ceil((seconds * 1000) / this.track.frameMs));
  }

  /**
   * The newest `count` frames, oldest first: their PCM copied into one new buffer (the ring's
   * slots are overwritten while NATS may still hold a published payload) and their header values.
   */
  copyNewest(count: number): { pcm: Buffer; frames: AudioFrameMeta[] } {
    const pcm = Buffer.allocUnsafe(count * this.frameBytes);
    const frames: AudioFrameMeta[] = [];
    const { track } = this;
    for (let i = 0; i < count; i += 1) {
      const slot = (this.pushed - count + i) % this.capacity;
      this.pcm.copy(pcm, i * this.frameBytes, slot * this.frameBytes, (slot + 1) * this.frameBytes);
      frames.push({
        sequence: this.sequences[slot],
        timestamp: this.timestamps[slot],
        sampleRate: track.sampleRate as AudioFrameMeta['sampleRate'],
        codec: track.codec,
        frameMs: track.frameMs,
        capturedAt: this.capturedAts[slot],
        runId: track.runId,
      });
    }
    return { pcm, frames };
  }
}
