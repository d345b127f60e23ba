import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { MsgHdrsImpl, PublishOptions } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { AUDIO_HEADERS, AudioTrack, audioSubject, SourceCodec } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { PcmFrameSlab } from './pcm-frame-slab';
import { SocketReadHorizon } from './socket-read-horizon';

/** The subject and the header values that are the same for every frame of a stream. */
export interface AudioFrameStream {
  readonly subject: string;
  readonly sampleRate: string;
  readonly codec: SourceCodec;
  readonly frameMs: string;
  readonly runId: string;
}

export function audioFrameStream(
  callId: string,
  track: AudioTrack,
  codec: SourceCodec,
  sampleRate: number,
  frameMs: number,
  runId: string,
): AudioFrameStream {
  return {
    subject: audioSubject(callId, track),
    sampleRate: String(sampleRate),
    codec,
    frameMs: String(frameMs),
    runId,
  };
}

const FRAME_DROP_REASONS = ['nats_unavailable', 'nats_backlog', 'publish_failed'] as const;
/** Why queued frames were not published; the `reason` label of media_gateway_frames_dropped_total. */
type FrameDropReason = (typeof FRAME_DROP_REASONS)[number];

const FAILURE_LOG_INTERVAL_MS = 10_000;
/**
 * Frames published at once without waiting for the end of the event-loop turn. A turn is short
 * while the gateway keeps up, but when it falls behind libuv reads every ready socket in one poll
 * phase, which then lasts seconds: frames would wait that long, and their memory with them.
 */
export const MAX_BATCH_FRAMES = 256;
/** How often a PING measures how far behind the NATS connection is. */
const LAG_PROBE_INTERVAL_MS = 100;
/** Tick of the read horizon: NATS lag is seen at most about two ticks late. */
const READ_HORIZON_TICK_MS = 10;
const NO_PAYLOAD = Buffer.alloc(0);

/**
 * Publishes audio frames on core NATS, batched per event-loop turn: frames decoded from every
 * datagram that arrived in one turn are published together from a setImmediate (or as soon as
 * MAX_BATCH_FRAMES are queued), so nats.js packs them into few socket writes instead of one per
 * frame.
 *
 * While NATS is away frames are dropped and counted rather than left to pile up in nats.js's
 * outbound buffer, which has no bound while it reconnects: late audio is of no use to a live
 * consumer, and a thousand streams make 32 MB of it per second. The same holds while NATS is
 * connected but cannot take frames as fast as they come (a slow or saturated server): the socket
 * would buffer without bound. A PING every 100 ms measures that lag (its PONG comes back after
 * everything queued before it), and while one has waited longer than GATEWAY_MAX_PUBLISH_LAG_MS
 * frames are dropped, so the backlog drains instead of growing.
 *
 * How long a PING has waited is counted only up to the socket read horizon, not to now: when
 * the gateway's own event loop is busy (a saturated box reads datagrams for hundreds of ms in
 * one poll phase), a PONG that came back long ago sits unread, and the plain age of the PING
 * would blame NATS for the gateway's own delay; dropping frames then only loses audio that NATS
 * could have carried. Event-loop delay is not subtracted as an estimate (a drift timer's
 * lateness): on a loop that is busy all the time nearly every moment is "delay", and a NATS
 * that really fell behind would go unseen. The horizon instead bounds what is known: the PONG
 * had not arrived by then.
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
  private readonly capturedAts: number[] = [];
  private queued = 0;
  private flushScheduled = false;
  private closed = false;
  private lastFailureLogAt = -Infinity;
  /** nats.js reads the options synchronously inside publish(), so one object serves every call. */
  private readonly publishOptions: Partial<PublishOptions> = {};
  private readonly flushQueued = () => {
    this.flushScheduled = false;
    this.flush();
  };
  private readonly published;
  private readonly dropped;
  private readonly batchSize;
  /** performance.now() when the PING in flight was sent; undefined while none is. */
  private pingSentAt: number | undefined;
  /** Round trip of the last answered PING. */
  private lastRoundTripMs = 0;
  private readonly lagProbe: NodeJS.Timeout;
  private readonly readHorizon = new SocketReadHorizon(READ_HORIZON_TICK_MS);
  private readonly maxLagMs: number;

  constructor(
    private readonly nats: NatsClient,
    metrics: MetricsRegistry,
    @Inject(APP_CONFIG) config: Pick<MediaGatewayConfig, 'GATEWAY_MAX_PUBLISH_LAG_MS'>,
  ) {
    this.maxLagMs = config.GATEWAY_MAX_PUBLISH_LAG_MS;
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
    const lagMs = () => this.lagMs();
    const lastRoundTripMs = () => this.lastRoundTripMs;
    metrics.gauge({
      name: 'media_gateway_nats_lag_ms',
      help: 'How far behind the NATS connection is: how long the PING in flight has waited for its PONG, not counting time the event loop was too busy to read it, or the round trip of the last PING if longer',
      collect() {
        this.set(Math.round(Math.max(lastRoundTripMs(), lagMs()) * 10) / 10);
      },
    });
    this.lagProbe = setInterval(() => this.probeLag(), LAG_PROBE_INTERVAL_MS);
    this.lagProbe.unref();
  }

  /**
   * Queues a frame; `payload` belongs to the publisher from here on and must not change.
   * `capturedAt`: epoch ms of the frame's first sample.
   */
  enqueue(
    stream: AudioFrameStream,
    payload: Buffer,
    sequence: number,
    timestamp: number,
    capturedAt: number,
  ): void {
    if (this.closed) return;
    const index = this.queued;
    this.streams[index] = stream;
    this.payloads[index] = payload;
    this.sequences[index] = sequence;
    this.timestamps[index] = timestamp;
    this.capturedAts[index] = capturedAt;
    this.queued = index + 1;
    if (this.queued >= MAX_BATCH_FRAMES) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushQueued);
    }
  }

  /** Publishes what the receivers flushed while closing, then nothing more. */
  beforeApplicationShutdown(): void {
    clearInterval(this.lagProbe);
    this.readHorizon.stop();
    this.flush();
    this.closed = true;
  }

  private probeLag(): void {
    if (this.pingSentAt !== undefined || !this.nats.isConnected) return;
    const sentAt = performance.now();
    let ping: Promise<void>;
    try {
      ping = this.nats.connection.flush();
    } catch {
      return;
    }
    this.pingSentAt = sentAt;
    ping
      .then(() => {
        this.lastRoundTripMs = performance.now() - sentAt;
      })
      // A disconnect rejects the PING; frames count as nats_unavailable meanwhile.
      .catch(() => undefined)
      .finally(() => {
        if (this.pingSentAt === sentAt) this.pingSentAt = undefined;
      });
  }

  /** At least how far behind NATS is now: how long the PING in flight has surely waited. */
  private lagMs(): number {
    return this.pingSentAt === undefined ? 0 : Math.max(0, this.readHorizon.at - this.pingSentAt);
  }

  private flush(): void {
    const count = this.queued;
    if (count === 0) return;
    this.queued = 0;
    if (!this.nats.isConnected || this.lagMs() > this.maxLagMs) {
      this.drop(this.nats.isConnected ? 'nats_backlog' : 'nats_unavailable', count);
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
        [AUDIO_HEADERS.capturedAt]: [String(Math.round(this.capturedAts[i]))],
        [AUDIO_HEADERS.runId]: [stream.runId],
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
