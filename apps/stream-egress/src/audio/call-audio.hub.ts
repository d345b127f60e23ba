import { Injectable, Logger } from '@nestjs/common';
import type { Msg, Subscription } from 'nats';
import {
  AUDIO_TRACKS,
  AudioTrack,
  callAudioWildcard,
  ContractViolation,
  parseAudioFrame,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { EgressMetrics } from '../metrics/egress-metrics';
import type { FrameSink } from './frame-sink';

interface CallAudio {
  subscription: Subscription;
  sinks: FrameSink[];
  /** Settles once the NATS server has the subscription: no frame published after is missed. */
  live: Promise<void>;
}

const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * The audio of the calls being streamed: one core NATS subscription on `audio.v1.<callId>.>`
 * per call while at least one stream needs it, its frames validated once and handed to every
 * stream of the call. Frames that break the contract are counted and dropped.
 */
@Injectable()
export class CallAudioHub {
  private readonly logger = new Logger(CallAudioHub.name);
  private readonly calls = new Map<string, CallAudio>();
  private lastErrorLogAt = -Infinity;
  /** Frames received since the counter was last brought up to date (it is, once per turn). */
  private received = 0;
  private countScheduled = false;
  private readonly updateCount = () => {
    this.countScheduled = false;
    this.metrics.audioReceived.inc(this.received);
    this.received = 0;
  };

  constructor(
    private readonly nats: NatsClient,
    private readonly metrics: EgressMetrics,
  ) {}

  get subscribedCalls(): number {
    return this.calls.size;
  }

  attach(callId: string, sink: FrameSink): void {
    let audio = this.calls.get(callId);
    if (!audio) {
      const sinks: FrameSink[] = [];
      const subscription = this.nats.connection.subscribe(callAudioWildcard(callId), {
        callback: (error, message) => {
          if (!error) this.deliver(message, sinks);
        },
      });
      // A failed flush means the connection is down; frames come once it is back either way.
      const live = this.nats.connection.flush().catch(() => undefined);
      audio = { subscription, sinks, live };
      this.calls.set(callId, audio);
    }
    if (!audio.sinks.includes(sink)) audio.sinks.push(sink);
  }

  /** Settles once the call's audio subscription is on the server (at once for a call not attached). */
  live(callId: string): Promise<void> {
    return this.calls.get(callId)?.live ?? Promise.resolve();
  }

  detach(callId: string, sink: FrameSink): void {
    const audio = this.calls.get(callId);
    if (!audio) return;
    const index = audio.sinks.indexOf(sink);
    if (index >= 0) audio.sinks.splice(index, 1);
    if (audio.sinks.length === 0) {
      this.calls.delete(callId);
      audio.subscription.unsubscribe();
    }
  }

  private deliver(message: Msg, sinks: FrameSink[]): void {
    const receivedAt = performance.now();
    this.received += 1;
    if (!this.countScheduled) {
      this.countScheduled = true;
      setImmediate(this.updateCount);
    }
    const subject = message.subject;
    const track = subject.slice(subject.lastIndexOf('.') + 1) as AudioTrack;
    let frame;
    try {
      if (!(AUDIO_TRACKS as readonly string[]).includes(track)) {
        throw new ContractViolation('invalid_subject', `unknown track in ${subject}`);
      }
      const headers = message.headers;
      frame = parseAudioFrame((name) => headers?.get(name) || undefined, message.data);
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      this.metrics.audioRejected.inc({ reason: error.reason });
      return;
    }
    for (let i = 0; i < sinks.length; i += 1) {
      try {
        sinks[i].onFrame(track, frame, receivedAt);
      } catch (error) {
        // A bug in one stream must not starve the others of the call.
        this.logError(error);
      }
    }
  }

  private logError(error: unknown): void {
    const now = performance.now();
    if (now - this.lastErrorLogAt < ERROR_LOG_INTERVAL_MS) return;
    this.lastErrorLogAt = now;
    this.logger.error(
      `a stream failed on an audio frame: ${(error as Error).stack ?? String(error)}`,
    );
  }
}
