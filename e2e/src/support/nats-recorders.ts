import { connect, ConsumerMessages, NatsConnection, Subscription } from 'nats';
import {
  AUDIO_WILDCARD,
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  CallEvent,
  decodeCallEvent,
  parseAudioFrame,
  parseAudioSubject,
  STATS_WILDCARD,
  STREAM_STATS_MAX_BYTES,
  StreamStats,
  decodeJson,
  streamStatsSchema,
} from '@asb/contracts';
import { callEventsStreamEnv, loadConfig } from '@asb/config';
import { provisionCallEventsStream } from '@asb/nats';
import { NATS_URL } from './workspace';

export interface TrackAudio {
  frames: number;
  sampleRate: number;
  codec: string;
  /** Every frame's samples in arrival order. */
  pcm: Int16Array[];
  /** Audio-Timestamp of each frame, to see gaps. */
  timestamps: number[];
  /** Audio-Sequence, Audio-Run-Id and Audio-Replay-Of of each frame. */
  sequences: number[];
  runIds: Array<string | undefined>;
  replayOf: Array<string | undefined>;
  /** Date.now() when each frame arrived, to see gaps in time across taps. */
  receivedAt: number[];
}

/**
 * What the bridge published during a test: call events read back from the JetStream stream
 * (stored, de-duplicated, in stream order) and every audio frame from core NATS.
 */
export class NatsRecorders {
  readonly events: CallEvent[] = [];
  readonly audio = new Map<string, TrackAudio>();
  readonly invalidFrames: string[] = [];
  /** The latest health sample of each stream, by subject. */
  readonly stats = new Map<string, StreamStats>();
  private nc!: NatsConnection;
  private consumer?: ConsumerMessages;
  private audioSubscription?: Subscription;
  private statsSubscription?: Subscription;

  /** `url`: a private nats-server of the test, instead of the run's. */
  constructor(private readonly url: string = NATS_URL) {}

  async start(): Promise<this> {
    this.nc = await connect({ servers: this.url });
    const jsm = await this.nc.jetstreamManager();
    // On a NATS where no service of ours ran yet, the stream is made as a service would make it.
    const info = await jsm.streams.info(CALL_EVENTS_STREAM).catch(() => undefined);
    if (!info) await provisionCallEventsStream(jsm, loadConfig(callEventsStreamEnv, { env: {} }));
    const startSeq = (info?.state.last_seq ?? 0) + 1;
    const consumer = await this.nc.jetstream().consumers.get(CALL_EVENTS_STREAM, {
      filterSubjects: CALL_EVENTS_WILDCARD,
      opt_start_seq: startSeq,
    });
    this.consumer = await consumer.consume();
    void (async () => {
      for await (const message of this.consumer as ConsumerMessages) {
        this.events.push(decodeCallEvent(message.subject, message.data));
      }
    })();
    this.audioSubscription = this.nc.subscribe(AUDIO_WILDCARD, {
      callback: (_error, message) => {
        try {
          const frame = parseAudioFrame(
            (name) => message.headers?.get(name) || undefined,
            message.data,
          );
          const key = message.subject;
          parseAudioSubject(key);
          let track = this.audio.get(key);
          if (!track) {
            track = {
              frames: 0,
              sampleRate: frame.sampleRate,
              codec: frame.codec,
              pcm: [],
              timestamps: [],
              sequences: [],
              runIds: [],
              replayOf: [],
              receivedAt: [],
            };
            this.audio.set(key, track);
          }
          track.frames += 1;
          track.timestamps.push(frame.timestamp);
          track.sequences.push(frame.sequence);
          track.runIds.push(frame.runId);
          track.replayOf.push(frame.replayOf);
          track.receivedAt.push(Date.now());
          const copy = new Int16Array(frame.pcm.byteLength / 2);
          Buffer.from(copy.buffer).set(frame.pcm);
          track.pcm.push(copy);
        } catch (error) {
          this.invalidFrames.push(`${message.subject}: ${(error as Error).message}`);
        }
      },
    });
    this.statsSubscription = this.nc.subscribe(STATS_WILDCARD, {
      callback: (_error, message) => {
        this.stats.set(
          message.subject,
          decodeJson(streamStatsSchema, message.data, STREAM_STATS_MAX_BYTES),
        );
      },
    });
    await this.nc.flush();
    return this;
  }

  eventsOf(callId: string): CallEvent[] {
    return this.events.filter((event) => event.callId === callId);
  }

  async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Longest time between two frames of a track while its call was up, across all its taps;
   * audio that stopped before the hangup (at `endedAt`) counts as a gap too.
   */
  longestGapMs(subject: string, endedAt: number): number {
    const received = this.audio.get(subject)?.receivedAt;
    if (!received || received.length === 0) return Infinity;
    const times = [...received].sort((a, b) => a - b);
    let gap = endedAt - times[times.length - 1];
    for (let i = 1; i < times.length; i += 1) gap = Math.max(gap, times[i] - times[i - 1]);
    return gap;
  }

  /** All samples of one track, in order, as one array. */
  samples(subject: string): Int16Array {
    const track = this.audio.get(subject);
    if (!track) return new Int16Array(0);
    const total = track.pcm.reduce((sum, frame) => sum + frame.length, 0);
    const out = new Int16Array(total);
    let offset = 0;
    for (const frame of track.pcm) {
      out.set(frame, offset);
      offset += frame.length;
    }
    return out;
  }

  async stop(): Promise<void> {
    this.audioSubscription?.unsubscribe();
    this.statsSubscription?.unsubscribe();
    this.consumer?.stop();
    await this.nc?.drain().catch(() => undefined);
  }
}
