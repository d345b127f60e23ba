import { connect, ConsumerMessages, NatsConnection, Subscription } from 'nats';
import {
  AUDIO_WILDCARD,
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  CallEvent,
  decodeCallEvent,
  parseAudioFrame,
} from '@asb/contracts';
import { TrackCoverage } from './track-coverage';

export interface StoredEvent {
  event: CallEvent;
  /** When JetStream stored it (ms since the epoch, same host clock as the simulator's). */
  storedAtMs: number;
}

/**
 * What the fault benchmark reads off NATS: every audio frame, reduced at once to its track's
 * coverage (no samples kept, so hundreds of calls for many minutes fit in memory), and the call
 * events, read back from the JetStream stream after each phase (what was stored, and when).
 */
export class FaultRecorder {
  private readonly tracks = new Map<string, TrackCoverage>();
  private nc!: NatsConnection;
  private subscription?: Subscription;
  invalidFrames = 0;

  async start(url: string): Promise<this> {
    // Reconnects for as long as the run lasts: a frozen server must not end the recording.
    this.nc = await connect({ servers: url, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
    this.subscription = this.nc.subscribe(AUDIO_WILDCARD, {
      callback: (_error, message) => {
        const arrivalMs = Date.now();
        try {
          const frame = parseAudioFrame(
            (name) => message.headers?.get(name) || undefined,
            message.data,
          );
          let track = this.tracks.get(message.subject);
          if (!track) {
            track = new TrackCoverage();
            this.tracks.set(message.subject, track);
          }
          track.add(
            frame.sequence,
            frame.timestamp,
            frame.pcm.byteLength / 2,
            frame.sampleRate,
            arrivalMs,
          );
        } catch {
          this.invalidFrames += 1;
        }
      },
    });
    await this.nc.flush();
    return this;
  }

  track(callId: string, track: 'caller' | 'agent'): TrackCoverage | undefined {
    return this.tracks.get(`audio.v1.${callId}.${track}`);
  }

  /** Drops what was kept of these calls once their phase is measured. */
  forget(callIds: Iterable<string>): void {
    for (const callId of callIds) {
      this.tracks.delete(`audio.v1.${callId}.caller`);
      this.tracks.delete(`audio.v1.${callId}.agent`);
    }
  }

  /** The call events stream's last sequence (0 while it does not exist yet). */
  async lastEventSequence(): Promise<number> {
    const jsm = await this.nc.jetstreamManager();
    const info = await jsm.streams.info(CALL_EVENTS_STREAM).catch(() => undefined);
    return info?.state.last_seq ?? 0;
  }

  /** Every call event stored after `afterSequence`, within `timeoutMs`. */
  async eventsAfter(afterSequence: number, timeoutMs = 30_000): Promise<StoredEvent[]> {
    const last = await this.lastEventSequence();
    const events: StoredEvent[] = [];
    if (last <= afterSequence) return events;
    const consumer = await this.nc.jetstream().consumers.get(CALL_EVENTS_STREAM, {
      filterSubjects: CALL_EVENTS_WILDCARD,
      opt_start_seq: afterSequence + 1,
    });
    const messages: ConsumerMessages = await consumer.consume();
    const timer = setTimeout(() => messages.stop(), timeoutMs);
    try {
      for await (const message of messages) {
        try {
          events.push({
            event: decodeCallEvent(message.subject, message.data),
            storedAtMs: message.info.timestampNanos / 1e6,
          });
        } catch {
          // Not a call event this benchmark can judge; the contracts' own tests cover it.
        }
        if (message.seq >= last || message.info.pending === 0) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    return events;
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.nc?.close().catch(() => undefined);
  }
}
