import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { MsgHdrsImpl, PublishOptions } from 'nats';
import { AUDIO_HEADERS, AudioTrack, audioSubject, SourceCodec } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { PcmFrameSlab } from './pcm-frame-slab';

/** The subject and the header values that are the same for every frame of a stream. */
export interface AudioFrameStream {
  readonly subject: string;
  readonly sampleRate: string;
  readonly codec: SourceCodec;
  readonly frameMs: string;
}

export function audioFrameStream(
  callId: string,
  track: AudioTrack,
  codec: SourceCodec,
  sampleRate: number,
  frameMs: number,
): AudioFrameStream {
  return {
    subject: audioSubject(callId, track),
    sampleRate: String(sampleRate),
    codec,
    frameMs: String(frameMs),
  };
}

const FRAME_DROP_REASONS = ['nats_unavailable', 'publish_failed'] as const;
/** Why queued frames were not published; the `reason` label of media_gateway_frames_dropped_total. */
type FrameDropReason = (typeof FRAME_DROP_REASONS)[number];

const FAILURE_LOG_INTERVAL_MS = 10_000;
const NO_PAYLOAD = Buffer.alloc(0);

/**
 * Publishes audio frames on core NATS, batched per event-loop turn: frames decoded from every
 * datagram that arrived in one turn are published together from a setImmediate, so nats.js packs
 * them into one socket write instead of one write per frame.
 *
 * While NATS is away frames are dropped and counted rather than left to pile up in nats.js's
 * outbound buffer, which has no bound while it reconnects: late audio is of no use to a live
 * consumer, and a thousand streams make 32 MB of it per second.
 */
@Injectable()
export class FramePublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(FramePublisher.name);
  /** Where receivers decode frames; see PcmFrameSlab for why its memory is never reused. */
  readonly slab = new PcmFrameSlab();
  // Parallel arrays rather than an object per queued frame.
  private readonly streams: AudioFrameStream[] = [];
  private readonly payloads: Buffer[] = [];
  private readonly sequences: number[] = [];
  private readonly timestamps: number[] = [];
  private queued = 0;
  private flushScheduled = false;
  private closed = false;
  private lastFailureLogAt = -Infinity;
  /** nats.js reads the options synchronously inside publish(), so one object serves every call. */
  private readonly publishOptions: Partial<PublishOptions> = {};
  private readonly flushQueued = () => this.flush();
  private readonly published;
  private readonly dropped;
  private readonly batchSize;

  constructor(
    private readonly nats: NatsClient,
    metrics: MetricsRegistry,
  ) {
    this.published = metrics.counter({
      name: 'media_gateway_frames_published_total',
      help: 'Audio frames published on audio.v1.*',
    });
    this.dropped = metrics.counter<'reason'>({
      name: 'media_gateway_frames_dropped_total',
      help: 'Audio frames decoded but not published, by reason',
      labelNames: ['reason'],
    });
    // Every series from the start, so rate() works from the first increase.
    for (const reason of FRAME_DROP_REASONS) this.dropped.inc({ reason }, 0);
    this.batchSize = metrics.histogram({
      name: 'media_gateway_publish_batch_frames',
      help: 'Frames published together in one event-loop turn',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    });
  }

  /** Queues a frame; `payload` belongs to the publisher from here on and must not change. */
  enqueue(stream: AudioFrameStream, payload: Buffer, sequence: number, timestamp: number): void {
    if (this.closed) return;
    const index = this.queued;
    this.streams[index] = stream;
    this.payloads[index] = payload;
    this.sequences[index] = sequence;
    this.timestamps[index] = timestamp;
    this.queued = index + 1;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushQueued);
    }
  }

  /** Publishes what the receivers flushed while closing, then nothing more. */
  beforeApplicationShutdown(): void {
    this.flush();
    this.closed = true;
  }

  private flush(): void {
    this.flushScheduled = false;
    const count = this.queued;
    if (count === 0) return;
    this.queued = 0;
    if (!this.nats.isConnected) {
      this.drop('nats_unavailable', count);
      this.payloads.fill(NO_PAYLOAD, 0, count);
      return;
    }
    const nc = this.nats.connection;
    let failed = 0;
    for (let i = 0; i < count; i += 1) {
      const stream = this.streams[i];
      // fromRecord fills the header map directly: half the cost of headers() + five append()s,
      // which validate and canonicalise every key. Ours are constants and the values are
      // digits and codec names, with nothing to validate.
      this.publishOptions.headers = MsgHdrsImpl.fromRecord({
        [AUDIO_HEADERS.sequence]: [String(this.sequences[i])],
        [AUDIO_HEADERS.timestamp]: [String(this.timestamps[i])],
        [AUDIO_HEADERS.sampleRate]: [stream.sampleRate],
        [AUDIO_HEADERS.codec]: [stream.codec],
        [AUDIO_HEADERS.frameMs]: [stream.frameMs],
      });
      try {
        nc.publish(stream.subject, this.payloads[i], this.publishOptions);
      } catch (error) {
        failed += 1;
        this.logFailure(error);
      }
      // Let the queue forget the payload, or a burst would keep its slab chunks alive.
      this.payloads[i] = NO_PAYLOAD;
    }
    this.published.inc(count - failed);
    if (failed > 0) this.drop('publish_failed', failed);
    this.batchSize.observe(count);
  }

  private drop(reason: FrameDropReason, frames: number): void {
    this.dropped.inc({ reason }, frames);
  }

  private logFailure(error: unknown): void {
    const now = performance.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    this.logger.warn(`publishing an audio frame failed: ${(error as Error).message}`);
  }
}
