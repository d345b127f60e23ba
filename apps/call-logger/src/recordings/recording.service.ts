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
  AudioTrack,
  callAudioWildcard,
  CallEvent,
  parseAudioFrame,
  parseAudioSubject,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { CallRecording } from './call-recording';
import { RecordingRowsWriter } from './recording-rows.service';
import { RecordingStorage } from './recording-storage';

/** Frames still in flight when a call ends or its taps stop are waited for this long. */
export const RECORDING_END_GRACE_MS = 1000;
/** A recording that hears nothing (no frame, no event) for this long is finished: its end was missed. */
export const RECORDING_IDLE_MS = 60_000;
/** Calls remembered as finished, so a redelivered event does not start them again. */
const FINISHED_REMEMBERED = 50_000;
const STOP_WRITE_MS = 2000;

interface ActiveRecording {
  recording: CallRecording;
  subscription: Subscription;
  finishTimer?: NodeJS.Timeout;
  ended: boolean;
}

type FrameResult = 'written' | 'late' | 'refused' | 'invalid';

/**
 * Records the audio of tapped calls. It subscribes to a call's audio.v1.<callId>.> frames as soon
 * as the call is answered (ari-ingest taps answered calls, and the first frames often come before
 * tap_started reaches us) or a tap starts, streams them into the call's WAV file, and finishes the
 * file shortly after the call ends or its taps stop. It follows the events as the consumer reads
 * them, before they are written, so a database outage does not stop recordings.
 */
@Injectable()
export class RecordingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RecordingService.name);
  private readonly active = new Map<string, ActiveRecording>();
  private readonly finished = new Map<string, true>();
  private readonly finishing = new Set<Promise<void>>();
  private idleTimer?: NodeJS.Timeout;
  private stopping = false;
  private readonly activeGauge;
  private readonly outcomes;
  private readonly frames;

  constructor(
    @Inject(APP_CONFIG) private readonly config: CallLoggerConfig,
    private readonly nats: NatsClient,
    private readonly storage: RecordingStorage,
    private readonly rows: RecordingRowsWriter,
    metrics: MetricsRegistry,
  ) {
    this.activeGauge = metrics.gauge({
      name: 'call_logger_recordings_active',
      help: 'Calls being recorded (listened to)',
    });
    this.outcomes = metrics.counter<'result'>({
      name: 'call_logger_recordings_total',
      help: 'Recordings finished, by result (complete, failed, empty: no audio came, skipped: at RECORDINGS_MAX_ACTIVE)',
      labelNames: ['result'],
    });
    this.frames = metrics.counter<'result'>({
      name: 'call_logger_recording_frames_total',
      help: 'Audio frames received for recordings, by result (written, late, refused, invalid)',
      labelNames: ['result'],
    });
  }

  onApplicationBootstrap(): void {
    this.idleTimer = setInterval(() => this.finishIdle(), 5000);
  }

  /** Follows a call event; never throws, so it cannot disturb the consumer. */
  observe(event: CallEvent): void {
    if (!this.config.RECORDINGS_ENABLED || this.stopping) return;
    try {
      switch (event.event) {
        case 'answered':
          this.listen(event.callId);
          break;
        case 'tap_started':
          this.listen(event.callId)?.recording.announce(event.track, Date.now());
          break;
        case 'tap_stopped':
          this.stopTrack(event.callId, event.track);
          break;
        case 'ended':
          this.callEnded(event.callId);
          break;
      }
    } catch (error) {
      this.logger.error(`recording of ${event.callId} failed: ${(error as Error).message}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.idleTimer);
    for (const callId of [...this.active.keys()]) this.finish(callId);
    await Promise.all(this.finishing);
    await this.rows.close(STOP_WRITE_MS);
  }

  /** The call's recording, listening to its audio from now on; undefined for a call not to record. */
  private listen(callId: string): ActiveRecording | undefined {
    if (this.finished.has(callId)) return undefined;
    const known = this.active.get(callId);
    if (known) {
      if (!known.ended) {
        clearTimeout(known.finishTimer);
        known.finishTimer = undefined;
      }
      return known;
    }
    if (this.active.size >= this.config.RECORDINGS_MAX_ACTIVE) {
      this.outcomes.inc({ result: 'skipped' });
      this.remember(callId);
      return undefined;
    }
    const recording = new CallRecording(
      callId,
      this.storage,
      (row) => this.rows.enqueue(row),
      Date.now(),
    );
    const subscription = this.nats.connection.subscribe(callAudioWildcard(callId), {
      callback: (error, message) => {
        if (!error) this.frames.inc({ result: this.receive(recording, message) });
      },
    });
    const active: ActiveRecording = { recording, subscription, ended: false };
    this.active.set(callId, active);
    this.activeGauge.set(this.active.size);
    return active;
  }

  private receive(recording: CallRecording, message: Msg): FrameResult {
    try {
      const { track } = parseAudioSubject(message.subject);
      const frame = parseAudioFrame(
        (name) => message.headers?.get(name) || undefined,
        message.data,
      );
      return recording.push(track, frame, Date.now());
    } catch {
      return 'invalid';
    }
  }

  private stopTrack(callId: string, track: AudioTrack): void {
    const active = this.active.get(callId);
    if (!active) return;
    active.recording.stop(track);
    if (active.recording.allStopped) this.finishSoon(callId, active);
  }

  private callEnded(callId: string): void {
    this.remember(callId);
    const active = this.active.get(callId);
    if (!active) return;
    active.ended = true;
    this.finishSoon(callId, active);
  }

  private finishSoon(callId: string, active: ActiveRecording): void {
    if (active.finishTimer) return;
    active.finishTimer = setTimeout(() => this.finish(callId), RECORDING_END_GRACE_MS);
  }

  private finishIdle(): void {
    const now = Date.now();
    for (const [callId, active] of this.active) {
      if (now - active.recording.lastActivityMs > RECORDING_IDLE_MS) this.finish(callId);
    }
  }

  private finish(callId: string): void {
    const active = this.active.get(callId);
    if (!active) return;
    this.active.delete(callId);
    this.activeGauge.set(this.active.size);
    this.remember(callId);
    clearTimeout(active.finishTimer);
    active.subscription.unsubscribe();
    const done = this.complete(active.recording).finally(() => this.finishing.delete(done));
    this.finishing.add(done);
  }

  private async complete(recording: CallRecording): Promise<void> {
    const finished = await recording.finish(new Date());
    if (!finished) {
      this.outcomes.inc({ result: 'empty' });
      return;
    }
    if (finished.failure) {
      this.logger.error(`recording of ${recording.callId} failed: ${finished.failure.message}`);
    }
    this.outcomes.inc({ result: finished.failure ? 'failed' : 'complete' });
    this.rows.enqueue(finished.row);
  }

  private remember(callId: string): void {
    this.finished.set(callId, true);
    if (this.finished.size > FINISHED_REMEMBERED) {
      this.finished.delete(this.finished.keys().next().value as string);
    }
  }
}
