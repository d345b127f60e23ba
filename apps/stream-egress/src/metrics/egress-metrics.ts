import { Injectable } from '@nestjs/common';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from '@asb/observability';
import { EGRESS_FORMATS } from '../formats/egress-format-names';

export const EGRESS_DIRECTIONS = ['outbound', 'inbound'] as const;
export type EgressDirection = (typeof EGRESS_DIRECTIONS)[number];

/** Why a media message never reached its backend; the `reason` label of frames dropped. */
export const FRAME_DROP_REASONS = ['backend_slow', 'backend_unavailable'] as const;
export type FrameDropReason = (typeof FRAME_DROP_REASONS)[number];

/** Why an inbound WebSocket request was refused; the `reason` label of inbound rejections. */
export const INBOUND_REJECT_REASONS = [
  'not_found',
  'disabled',
  'missing_token',
  'bad_token',
  'bad_request',
  'unknown_call',
  'forbidden',
  'too_many_clients',
  'shutting_down',
] as const;
export type InboundRejectReason = (typeof INBOUND_REJECT_REASONS)[number];

/** The counters one stream touches per frame, bound to its labels once. */
export interface StreamMetrics {
  sent: { inc(value?: number): void };
  dropped: Record<FrameDropReason, { inc(value?: number): void }>;
  latency: { observe(value: number): void };
  connected: { inc(): void; dec(): void };
  active: { inc(): void; dec(): void };
  queued: { inc(value?: number): void; dec(value?: number): void };
  reconnects: { inc(): void };
  connectFailures: { inc(): void };
  answersRefused: { inc(): void };
}

/** Every metric of stream-egress, created once per app (each app has its own registry). */
@Injectable()
export class EgressMetrics {
  readonly framesSent: Counter<'direction' | 'format'>;
  readonly framesDropped: Counter<'direction' | 'format' | 'reason'>;
  readonly sendLatency: Histogram<'direction' | 'format'>;
  readonly backendsConnected: Gauge<'direction' | 'format'>;
  readonly streamsActive: Gauge<'direction' | 'format'>;
  readonly queuedFrames: Gauge<'direction' | 'format'>;
  readonly reconnects: Counter<'format'>;
  readonly connectFailures: Counter<'format'>;
  readonly answersRefused: Counter<'direction' | 'format'>;
  readonly streamsStarted: Counter<'direction' | 'format'>;
  readonly audioRejected: Counter<'reason'>;
  readonly audioReceived: Counter;
  readonly callEvents: Counter<'event'>;
  readonly callEventsInvalid: Counter<'reason'>;
  readonly inboundRejected: Counter<'reason'>;
  readonly recentAudio: Counter<'outcome'>;
  readonly claims: Counter<'kind' | 'outcome'>;
  readonly egressEvents: Counter<'event' | 'outcome'>;

  constructor(metrics: MetricsRegistry) {
    const both = ['direction', 'format'] as const;
    this.framesSent = metrics.counter({
      name: 'stream_egress_frames_sent_total',
      help: 'Media messages written to backends',
      labelNames: both,
    });
    this.framesDropped = metrics.counter({
      name: 'stream_egress_frames_dropped_total',
      help: 'Media messages dropped: the backend was too slow (queue full) or not connected',
      labelNames: [...both, 'reason'],
    });
    this.sendLatency = metrics.histogram({
      name: 'stream_egress_send_latency_seconds',
      help: 'Time from a frame arriving from NATS to its message being written to the socket',
      labelNames: both,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.backendsConnected = metrics.gauge({
      name: 'stream_egress_backends_connected',
      help: 'Stream WebSocket connections open now',
      labelNames: both,
    });
    this.streamsActive = metrics.gauge({
      name: 'stream_egress_streams_active',
      help: 'Streams in progress (connected or reconnecting)',
      labelNames: both,
    });
    this.queuedFrames = metrics.gauge({
      name: 'stream_egress_queued_frames',
      help: 'Media messages waiting for a slow backend, over all streams',
      labelNames: both,
    });
    this.reconnects = metrics.counter({
      name: 'stream_egress_reconnects_total',
      help: 'Backend connections re-established after a drop',
      labelNames: ['format'],
    });
    this.connectFailures = metrics.counter({
      name: 'stream_egress_connect_failures_total',
      help: 'Attempts to connect to a backend that failed (refused, timed out, bad handshake)',
      labelNames: ['format'],
    });
    this.answersRefused = metrics.counter({
      name: 'stream_egress_answers_refused_total',
      help: 'Messages from a client or backend left unanswered (twilio marks): it sent more than a stream may ask',
      labelNames: both,
    });
    this.streamsStarted = metrics.counter({
      name: 'stream_egress_streams_started_total',
      help: 'Streams whose first connection opened',
      labelNames: both,
    });
    this.audioRejected = metrics.counter({
      name: 'stream_egress_audio_frames_rejected_total',
      help: 'Audio messages from NATS that break the frame contract, by reason',
      labelNames: ['reason'],
    });
    this.audioReceived = metrics.counter({
      name: 'stream_egress_audio_frames_received_total',
      help: 'Audio frames taken from NATS for the calls being streamed',
    });
    this.callEvents = metrics.counter({
      name: 'stream_egress_call_events_total',
      help: 'Call events consumed, by event',
      labelNames: ['event'],
    });
    this.callEventsInvalid = metrics.counter({
      name: 'stream_egress_call_events_invalid_total',
      help: 'Call events that break the contract, by reason (skipped)',
      labelNames: ['reason'],
    });
    this.inboundRejected = metrics.counter({
      name: 'stream_egress_inbound_rejected_total',
      help: 'Inbound WebSocket requests refused, by reason',
      labelNames: ['reason'],
    });
    for (const reason of INBOUND_REJECT_REASONS) this.inboundRejected.inc({ reason }, 0);
    this.recentAudio = metrics.counter({
      name: 'stream_egress_recent_audio_requests_total',
      help: 'Tracks whose recent audio a stream asked for (recent=), by how the gateway answered',
      labelNames: ['outcome'],
    });
    this.claims = metrics.counter({
      name: 'stream_egress_claims_total',
      help: 'Claims of calls in NATS KV: outbound streams and next-call hand-outs, by outcome',
      labelNames: ['kind', 'outcome'],
    });
    this.egressEvents = metrics.counter({
      name: 'stream_egress_egress_events_total',
      help: 'egress_started / egress_stopped events published (or given up)',
      labelNames: ['event', 'outcome'],
    });
    for (const direction of EGRESS_DIRECTIONS) {
      for (const format of EGRESS_FORMATS) {
        this.framesSent.inc({ direction, format }, 0);
        for (const reason of FRAME_DROP_REASONS) {
          this.framesDropped.inc({ direction, format, reason }, 0);
        }
        this.backendsConnected.set({ direction, format }, 0);
        this.streamsActive.set({ direction, format }, 0);
        this.queuedFrames.set({ direction, format }, 0);
      }
    }
    for (const format of EGRESS_FORMATS) this.reconnects.inc({ format }, 0);
  }

  forStream(direction: EgressDirection, format: string): StreamMetrics {
    const labels = { direction, format };
    return {
      sent: this.framesSent.labels(labels),
      dropped: {
        backend_slow: this.framesDropped.labels({ ...labels, reason: 'backend_slow' }),
        backend_unavailable: this.framesDropped.labels({
          ...labels,
          reason: 'backend_unavailable',
        }),
      },
      latency: this.sendLatency.labels(labels),
      connected: this.backendsConnected.labels(labels),
      active: this.streamsActive.labels(labels),
      queued: this.queuedFrames.labels(labels),
      reconnects: this.reconnects.labels({ format }),
      connectFailures: this.connectFailures.labels({ format }),
      answersRefused: this.answersRefused.labels(labels),
    };
  }
}
