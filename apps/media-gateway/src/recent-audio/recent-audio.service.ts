import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { headers as natsHeaders, Msg, Subscription } from 'nats';
import { APP_CONFIG } from '@asb/config';
import {
  AUDIO_HEADERS,
  audioFrameHeaderEntries,
  ContractViolation,
  decodeJson,
  RECENT_AUDIO_HEADERS,
  recentAudioRequestSchema,
  recentAudioSubject,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { RecentAudioRing, RecentAudioTrack } from './recent-audio-ring';

/** A request is `{"seconds": n}` at most; anything longer is refused unread. */
const REQUEST_MAX_BYTES = 1024;
const ERROR_TEXT_MAX = 256;
const EMPTY = new Uint8Array(0);

export const RECENT_AUDIO_OUTCOMES = ['answered', 'refused'] as const;

/** Where a track's frames are held for late joiners; TrackFrameOutput opens and closes it. */
export interface RecentAudioRings {
  /** The ring of a track starting now, or undefined when holding recent audio is off. */
  open(track: RecentAudioTrack): RecentAudioRing | undefined;
  close(ring: RecentAudioRing): void;
}

interface ServedTrack {
  subscription: Subscription;
  /** The newest run of the track on this gateway: a re-tap's ring replaces the previous one. */
  ring: RecentAudioRing;
}

/**
 * Answers `recent-audio.v1.<callId>.<track>` for the tracks this gateway serves: a subscription
 * per track from its allocation (or AudioSocket connection) to its release, so a request for a
 * track nobody serves gets NATS's "no responders" at once. The answer is the frames the track's
 * ring holds of the asked seconds, oldest first, each with the live frame's headers, then an
 * empty message with Recent-Audio-End; a request that breaks the contract gets only the end
 * message, with Recent-Audio-Error.
 */
@Injectable()
export class RecentAudioService implements RecentAudioRings, OnModuleDestroy {
  private readonly logger = new Logger(RecentAudioService.name);
  private readonly bySubject = new Map<string, ServedTrack>();
  private readonly boundSeconds: number;
  private readonly requests;
  private readonly framesSent;

  constructor(
    @Inject(APP_CONFIG) config: Pick<MediaGatewayConfig, 'GATEWAY_RECENT_AUDIO_SECONDS'>,
    private readonly nats: NatsClient,
    metrics: MetricsRegistry,
  ) {
    this.boundSeconds = config.GATEWAY_RECENT_AUDIO_SECONDS;
    this.requests = metrics.counter<'outcome'>({
      name: 'media_gateway_recent_audio_requests_total',
      help: 'Requests for a track’s recent audio, by outcome (answered, refused: the request broke the contract)',
      labelNames: ['outcome'],
    });
    for (const outcome of RECENT_AUDIO_OUTCOMES) this.requests.inc({ outcome }, 0);
    this.framesSent = metrics.counter({
      name: 'media_gateway_recent_audio_frames_sent_total',
      help: 'Held frames sent in answers to recent-audio requests',
    });
    const served = this.bySubject;
    metrics.gauge({
      name: 'media_gateway_recent_audio_bytes',
      help: 'Memory of the rings holding the tracks’ recent audio',
      collect() {
        let bytes = 0;
        for (const { ring } of served.values()) bytes += ring.bytes;
        this.set(bytes);
      },
    });
  }

  open(track: RecentAudioTrack): RecentAudioRing | undefined {
    if (this.boundSeconds === 0) return undefined;
    const ring = new RecentAudioRing(track, this.boundSeconds);
    const subject = recentAudioSubject(track.callId, track.track);
    const current = this.bySubject.get(subject);
    if (current) {
      current.ring = ring;
      return ring;
    }
    if (!this.nats.isConnected) {
      // Taps are made over NATS, so this is a connection lost a moment ago: the track is
      // held but not offered until its next tap.
      this.logger.warn(`${subject} not offered: NATS is not connected`);
      return ring;
    }
    const served = { ring } as ServedTrack;
    // The track itself, not a lookup: a request that was on its way when the track was released
    // is still answered, with what it held.
    served.subscription = this.nats.connection.subscribe(subject, {
      callback: (error, message) => {
        if (error) return;
        try {
          this.answer(subject, served, message);
        } catch (failure) {
          // A reply subject NATS refuses, a connection closing: that request goes unanswered.
          this.logger.warn(`answering on ${subject} failed: ${(failure as Error).message}`);
        }
      },
    });
    this.bySubject.set(subject, served);
    return ring;
  }

  close(ring: RecentAudioRing): void {
    const subject = recentAudioSubject(ring.track.callId, ring.track.track);
    const served = this.bySubject.get(subject);
    if (served?.ring !== ring) return;
    this.bySubject.delete(subject);
    served.subscription.unsubscribe();
  }

  onModuleDestroy(): void {
    for (const { subscription } of this.bySubject.values()) subscription.unsubscribe();
    this.bySubject.clear();
  }

  private answer(subject: string, served: ServedTrack, message: Msg): void {
    if (!message.reply) return;
    let seconds: number | undefined;
    try {
      seconds =
        message.data.byteLength === 0
          ? undefined
          : decodeJson(recentAudioRequestSchema, message.data, REQUEST_MAX_BYTES).seconds;
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      this.requests.inc({ outcome: 'refused' });
      this.logger.warn(`invalid recent-audio request on ${subject}: ${error.message}`);
      this.end(message.reply, served.ring.track.runId, 0, `${error.reason}: ${error.message}`);
      return;
    }
    const { ring } = served;
    const { pcm, frames } = ring.copyNewest(ring.countFor(seconds));
    const nc = this.nats.connection;
    for (let i = 0; i < frames.length; i += 1) {
      const headers = natsHeaders();
      for (const [name, value] of audioFrameHeaderEntries(frames[i])) headers.set(name, value);
      nc.publish(message.reply, pcm.subarray(i * ring.frameBytes, (i + 1) * ring.frameBytes), {
        headers,
      });
    }
    this.end(message.reply, ring.track.runId, frames.length);
    this.requests.inc({ outcome: 'answered' });
    this.framesSent.inc(frames.length);
  }

  private end(reply: string, runId: string, count: number, error?: string): void {
    const headers = natsHeaders();
    headers.set(RECENT_AUDIO_HEADERS.end, String(count));
    // Which tap run's frames it ends: two gateways may both serve a track during a re-tap.
    headers.set(AUDIO_HEADERS.runId, runId);
    if (error !== undefined) {
      // A header value is one line.
      headers.set(
        RECENT_AUDIO_HEADERS.error,
        error.replace(/[\r\n]+/g, ' ').slice(0, ERROR_TEXT_MAX),
      );
    }
    this.nats.connection.publish(reply, EMPTY, { headers });
  }
}
