import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Msg, Subscription } from 'nats';
import { APP_CONFIG } from '@asb/config';
import {
  AUDIO_VERDICTS,
  CallEvent,
  decodeJson,
  parseStatsSubject,
  STATS_WILDCARD,
  STREAM_STATS_MAX_BYTES,
  streamStatsSchema,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { CallIdentity } from '../calls/call-registry';
import { CallTracker } from '../calls/call-tracker.service';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';
import { CallAudioJudge, VerdictChange } from './call-audio-judge';

/**
 * How long after its end a call's talk summary waits for its tracks' last samples: they come
 * when the taps are taken down, within a second or two unless Asterisk is slow to answer.
 */
export const TALK_SUMMARY_WAIT_MS = 10_000;

interface JudgedCall {
  identity: CallIdentity;
  judge: CallAudioJudge;
  /** Up and answered: verdicts are raised only then. */
  live: boolean;
  summaryTimer?: NodeJS.Timeout;
}

/**
 * Turns the gateways' analysis of each call's audio (in the tracks' stats samples) into
 * audio_verdict events while the call is up, and a talk_summary once it ended. It judges the calls
 * this instance publishes events for (the leader's): it sees them go by on the event sink.
 */
@Injectable()
export class AudioVerdicts implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AudioVerdicts.name);
  private readonly events = new CallEventFactory();
  private readonly calls = new Map<string, JudgedCall>();
  private subscription?: Subscription;
  private stopped = false;
  private readonly raised;
  private readonly invalid;
  private readonly summaries;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly nats: NatsClient,
    private readonly sink: CallEventSink,
    private readonly tracker: CallTracker,
    metrics: MetricsRegistry,
  ) {
    this.raised = metrics.counter({
      name: 'ari_ingest_audio_verdicts_raised_total',
      help: 'Audio verdicts raised on live calls, by verdict',
      labelNames: ['verdict'],
    });
    for (const verdict of AUDIO_VERDICTS) this.raised.inc({ verdict }, 0);
    const calls = this.calls;
    metrics.gauge({
      name: 'ari_ingest_audio_verdicts_active',
      help: 'Audio verdicts raised now on live calls, by verdict',
      labelNames: ['verdict'],
      collect() {
        const counts = new Map<string, number>(AUDIO_VERDICTS.map((verdict) => [verdict, 0]));
        for (const call of calls.values()) {
          if (!call.live) continue;
          for (const change of call.judge.active) {
            counts.set(change.verdict, (counts.get(change.verdict) ?? 0) + 1);
          }
        }
        for (const [verdict, count] of counts) this.set({ verdict }, count);
      },
    });
    this.invalid = metrics.counter({
      name: 'ari_ingest_stats_samples_invalid_total',
      help: 'Stats samples of followed calls that broke the contract and were dropped',
    });
    this.summaries = metrics.counter({
      name: 'ari_ingest_talk_summaries_total',
      help: 'Ended calls judged: complete (every track sent its last sample), partial (the wait ran out), no_audio (none heard, nothing published)',
      labelNames: ['outcome'],
    });
  }

  onApplicationBootstrap(): void {
    this.sink.observe((event) => this.follow(event));
    void this.nats.connected.then((nc) => {
      if (this.stopped) return;
      this.subscription = nc.subscribe(STATS_WILDCARD, {
        callback: (error, message) => {
          if (!error) this.receive(message);
        },
      });
    });
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    for (const call of this.calls.values()) clearTimeout(call.summaryTimer);
    this.calls.clear();
  }

  private follow(event: CallEvent): void {
    if (event.event === 'answered' || event.event === 'tap_started') {
      const call = this.calls.get(event.callId);
      if (call) {
        call.live = true;
        return;
      }
      this.calls.set(event.callId, {
        identity: {
          callId: event.callId,
          server: event.server,
          asteriskId: event.asteriskId,
          channelId: event.channelId,
          channelName: event.channelName,
        },
        judge: new CallAudioJudge({
          silentTrackAfterMs: this.config.AUDIO_SILENT_TRACK_AFTER_S * 1000,
          oneWayAfterMs: this.config.AUDIO_ONE_WAY_AFTER_S * 1000,
        }),
        live: true,
      });
    } else if (event.event === 'ended') {
      const call = this.calls.get(event.callId);
      if (!call || !call.live) return;
      // `ended` clears every verdict of the call; the summary waits for the last samples.
      call.live = false;
      call.summaryTimer = setTimeout(() => this.summarise(event.callId), TALK_SUMMARY_WAIT_MS);
      if (call.judge.finished) this.summarise(event.callId);
    }
  }

  private receive(message: Msg): void {
    let callId: string;
    try {
      callId = parseStatsSubject(message.subject).callId;
    } catch {
      return;
    }
    // Standbys and calls of no interest cost a lookup, not a parse.
    const call = this.calls.get(callId);
    if (!call) return;
    if (call.live && !this.tracker.follows(call.identity.server, call.identity.channelId)) {
      // No longer ours (leadership went elsewhere, the server's session was dropped): whoever
      // follows the call now judges it, and nobody will tell this instance of its end.
      this.calls.delete(callId);
      return;
    }
    let sample;
    try {
      sample = decodeJson(streamStatsSchema, message.data, STREAM_STATS_MAX_BYTES);
    } catch (error) {
      this.invalid.inc();
      this.logger.debug(`stats sample on ${message.subject} dropped: ${(error as Error).message}`);
      return;
    }
    if (sample.callId !== callId) {
      this.invalid.inc();
      return;
    }
    if (call.live)
      this.tracker.notePlacement(call.identity.server, call.identity.channelId, sample);
    for (const change of call.judge.add(sample, call.live)) this.publish(call, change);
    if (!call.live && call.judge.finished) this.summarise(callId);
  }

  private publish(call: JudgedCall, change: VerdictChange): void {
    if (change.state === 'raised') {
      this.raised.inc({ verdict: change.verdict });
      this.logger.warn(
        `${call.identity.callId} ${change.track}: ${change.verdict} (${change.detail})`,
      );
    } else {
      this.logger.log(`${call.identity.callId} ${change.track}: ${change.verdict} cleared`);
    }
    void this.sink.emit(this.events.audioVerdict(call.identity, change));
  }

  private summarise(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    clearTimeout(call.summaryTimer);
    this.calls.delete(callId);
    const figures = call.judge.talk();
    if (!figures) {
      this.summaries.inc({ outcome: 'no_audio' });
      return;
    }
    this.summaries.inc({ outcome: call.judge.finished ? 'complete' : 'partial' });
    void this.sink.emit(this.events.talkSummary(call.identity, figures));
  }
}
