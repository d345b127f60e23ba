import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { NatsClient } from '@asb/nats';
import { CallAudioHub } from '../audio/call-audio.hub';
import { RecentAudioCatchUp } from '../audio/recent-audio-catch-up';
import type { LiveCall } from '../calls/live-call';
import { ClaimStore } from '../claims/claim-store';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { EgressEventSink } from '../events/egress-event.sink';
import { EgressMetrics } from '../metrics/egress-metrics';
import { EgressStopReason, EgressStream, EgressStreamSpec } from './egress-stream';

/**
 * Makes streams wired to everything around them: the call's audio from NATS (after its recent
 * audio, when the stream asks for it), the metrics, and the egress_started / egress_stopped
 * events. The stream detaches from the audio when it stops.
 */
@Injectable()
export class EgressStreamFactory {
  private readonly logger = new Logger(EgressStreamFactory.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: StreamEgressConfig,
    private readonly hub: CallAudioHub,
    private readonly metrics: EgressMetrics,
    private readonly events: EgressEventSink,
    private readonly claims: ClaimStore,
    private readonly nats: NatsClient,
  ) {}

  /**
   * `recentSeconds`: start with that much of the call's recent audio (from the gateways serving
   * its tracks), then live.
   */
  create(
    spec: EgressStreamSpec,
    call: LiveCall,
    onStopped: (stream: EgressStream, reason: EgressStopReason) => void,
    recentSeconds?: number,
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
        catchUp?.stop();
        this.hub.detach(call.callId, catchUp ?? stopped);
        this.events.stopped(stopped, call, reason, this.claims.replicaId);
        onStopped(stopped, reason);
      },
    });
    // The recent audio of the tracks the stream carries that are tapped now.
    const catchUp =
      recentSeconds === undefined
        ? undefined
        : new RecentAudioCatchUp(
            stream,
            spec.format.tracks.filter((track) => call.taps.has(track)),
          );
    if (catchUp === undefined || recentSeconds === undefined) {
      this.hub.attach(call.callId, stream);
      return stream;
    }
    this.hub.attach(call.callId, catchUp);
    void this.catchUp(catchUp, call.callId, recentSeconds, spec.streamId);
    return stream;
  }

  /** Asks for the recent audio once the live frames reach this replica, so none falls between. */
  private async catchUp(
    catchUp: RecentAudioCatchUp,
    callId: string,
    seconds: number,
    streamId: string,
  ): Promise<void> {
    try {
      await this.hub.live(callId);
      const answers = await catchUp.start(this.nats.connection, callId, seconds);
      for (const answer of answers.values())
        this.metrics.recentAudio.inc({ outcome: answer.outcome });
      const told = [...answers].map(
        ([track, answer]) => `${track}: ${answer.outcome}, ${answer.frames.length} frames`,
      );
      this.logger.log(
        `stream ${streamId} of ${callId} starts with its recent audio (${told.join('; ')})`,
      );
    } catch (error) {
      // NATS went away meanwhile: the stream goes on live.
      this.logger.warn(
        `stream ${streamId} could not get ${callId}'s recent audio: ${(error as Error).message}`,
      );
      catchUp.withoutRecentAudio();
    }
  }

  /** Settles once the call's audio reaches this replica: a stream opened after misses no frame. */
  audioLive(callId: string): Promise<void> {
    return this.hub.live(callId);
  }
}
