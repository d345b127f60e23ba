import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { CallAudioHub } from '../audio/call-audio.hub';
import type { LiveCall } from '../calls/live-call';
import { ClaimStore } from '../claims/claim-store';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { EgressEventSink } from '../events/egress-event.sink';
import { EgressMetrics } from '../metrics/egress-metrics';
import { EgressStopReason, EgressStream, EgressStreamSpec } from './egress-stream';

/**
 * Makes streams wired to everything around them: the call's audio from NATS, the metrics, and the
 * egress_started / egress_stopped events. The stream detaches from the audio when it stops.
 */
@Injectable()
export class EgressStreamFactory {
  constructor(
    @Inject(APP_CONFIG) private readonly config: StreamEgressConfig,
    private readonly hub: CallAudioHub,
    private readonly metrics: EgressMetrics,
    private readonly events: EgressEventSink,
    private readonly claims: ClaimStore,
  ) {}

  create(
    spec: EgressStreamSpec,
    call: LiveCall,
    onStopped: (stream: EgressStream, reason: EgressStopReason) => void,
  ): EgressStream {
    const stream = new EgressStream(spec, call, {
      queueMaxFrames: this.config.EGRESS_QUEUE_MAX_FRAMES,
      highWaterBytes: this.config.EGRESS_SOCKET_HIGH_WATER_BYTES,
      metrics: this.metrics.forStream(spec.direction, spec.format.name),
      onStarted: (started) => {
        this.metrics.streamsStarted.inc({ direction: spec.direction, format: spec.format.name });
        this.events.started(started, call, this.claims.replicaId);
      },
      onStopped: (stopped, reason) => {
        this.hub.detach(call.callId, stopped);
        this.events.stopped(stopped, call, reason, this.claims.replicaId);
        onStopped(stopped, reason);
      },
    });
    this.hub.attach(call.callId, stream);
    return stream;
  }

  /** Settles once the call's audio reaches this replica: a stream opened after misses no frame. */
  audioLive(callId: string): Promise<void> {
    return this.hub.live(callId);
  }
}
