import type { ConsumerMessages, NatsConnection, Subscription } from 'nats';
import {
  AI_WORKER_CLAIMS_BUCKET,
  AudioTrack,
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  callAudioWildcard,
  ContractViolation,
  decodeCallEvent,
  encodeTranscriptSegment,
  parseAudioFrame,
  parseAudioSubject,
  SCHEMA_VERSION,
} from '@asb/contracts';
import { CallClaims } from './call-claims';
import type { RecognisedSegment, Recogniser, RecogniserFactory } from './recogniser';
import type { WorkerConfig } from './worker-config';
import { log } from './worker-log';

/** Claims are kept a day at most, so a claim left by a vanished worker never outlives its call by much. */
const CLAIM_TTL_MS = 24 * 3600 * 1000;

/** A call this worker works: its audio subscription and one recogniser per track heard. */
interface CallWork {
  subscription: Subscription;
  recognisers: Map<AudioTrack, Recogniser>;
}

/**
 * The claim pattern: reads every call event from CALL_EVENTS through an ordered consumer,
 * claims each tapped call in `ai_worker_claims`, and for the calls it wins subscribes to
 * `audio.v1.<callId>.>` and feeds each track to a recogniser, publishing what it recognises on
 * `transcript.v1.<callId>.<track>`. At `ended` it finishes the open segments and frees the claim.
 *
 * Why JetStream and not a core subscription to `call.v1.*.tap_started`: a worker that starts or
 * restarts while calls run reads back the recent events and finds them (their `tap_started`
 * was before it was there), and the ordered consumer resumes at the next sequence after a
 * reconnect, so no `tap_started` or `ended` is missed while NATS was away.
 */
export class TranscriptWorker {
  /** Calls tapped and not ended, as the events tell. */
  private readonly tapped = new Set<string>();
  private readonly working = new Map<string, CallWork>();
  private claims?: CallClaims;
  private messages?: ConsumerMessages;
  private caughtUp = false;
  private reading?: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly config: WorkerConfig,
    private readonly recognisers: RecogniserFactory,
  ) {}

  /** Resolves once the recent events are read back and the calls in progress claimed. */
  async start(): Promise<void> {
    const js = this.nc.jetstream();
    const kv = await js.views.kv(AI_WORKER_CLAIMS_BUCKET, { history: 1, ttl: CLAIM_TTL_MS });
    this.claims = new CallClaims(kv, this.config.WORKER_ID, this.config.CLAIM_LEASE_MS, {
      tookOver: (callId) => {
        log('info', 'took over a claim whose holder is gone', { callId });
        this.work(callId);
      },
      lost: (callId) => {
        log('warn', 'lost a claim to another worker', { callId });
        this.stopWork(callId, false);
      },
    });
    this.claims.start();
    const startTime = new Date(Date.now() - this.config.EVENTS_REPLAY_MINUTES * 60_000);
    const consumer = await js.consumers.get(CALL_EVENTS_STREAM, {
      filterSubjects: CALL_EVENTS_WILDCARD,
      opt_start_time: startTime.toISOString(),
    });
    this.messages = await consumer.consume({ max_messages: 256 });
    const caughtUp = new Promise<void>((resolve) => (this.onCaughtUp = resolve));
    if ((await consumer.info(true)).num_pending === 0) await this.catchUp();
    this.reading = this.read(this.messages).catch((error: unknown) => {
      log('error', 'reading the call events failed', { error: (error as Error).message });
      throw error;
    });
    await caughtUp;
  }

  private onCaughtUp: () => void = () => undefined;

  private async read(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      try {
        const event = decodeCallEvent(message.subject, message.data);
        // Replayed calls are copies of recorded ones: worked like live calls, as a model's test.
        if (event.event === 'tap_started' && !this.tapped.has(event.callId)) {
          this.tapped.add(event.callId);
          if (this.caughtUp) await this.claim(event.callId);
        } else if (event.event === 'ended') {
          this.tapped.delete(event.callId);
          await this.end(event.callId);
        }
      } catch (error) {
        if (!(error instanceof ContractViolation)) throw error;
        log('warn', 'refused a call event', { subject: message.subject, error: error.message });
      }
      if (!this.caughtUp && message.info.pending === 0) await this.catchUp();
    }
  }

  /** The history is read: the calls still tapped are claimed now. */
  private async catchUp(): Promise<void> {
    if (this.caughtUp) return;
    this.caughtUp = true;
    for (const callId of this.tapped) await this.claim(callId);
    log('info', 'ready', { worker: this.config.WORKER_ID, callsInProgress: this.tapped.size });
    this.onCaughtUp();
  }

  private async claim(callId: string): Promise<void> {
    const outcome = await (this.claims as CallClaims).claim(callId);
    log('info', outcome === 'won' ? 'claimed' : 'claimed by another worker', {
      callId,
      worker: this.config.WORKER_ID,
    });
    if (outcome === 'won') this.work(callId);
  }

  private work(callId: string): void {
    if (this.working.has(callId)) return;
    const recognisers = new Map<AudioTrack, Recogniser>();
    const subscription = this.nc.subscribe(callAudioWildcard(callId), {
      callback: (error, message) => {
        if (error) return;
        try {
          const { track } = parseAudioSubject(message.subject);
          if (track === 'mixed') return; // The speakers are what a transcript is about.
          const frame = parseAudioFrame(
            (name) => message.headers?.get(name) || undefined,
            message.data,
          );
          let recogniser = recognisers.get(track);
          if (!recogniser) {
            recogniser = this.recognisers.forTrack(callId, track);
            recognisers.set(track, recogniser);
          }
          this.publish(callId, track, recogniser.push(frame));
        } catch (failure) {
          if (!(failure instanceof ContractViolation)) throw failure;
          log('warn', 'refused an audio frame', {
            subject: message.subject,
            error: failure.message,
          });
        }
      },
    });
    this.working.set(callId, { subscription, recognisers });
  }

  private async end(callId: string): Promise<void> {
    this.stopWork(callId, true);
    await this.claims?.release(callId);
  }

  /** Stops listening to a call; `finish`: publishes the finals of what is still open. */
  private stopWork(callId: string, finish: boolean): void {
    const work = this.working.get(callId);
    if (!work) return;
    this.working.delete(callId);
    work.subscription.unsubscribe();
    if (!finish) return;
    for (const [track, recogniser] of work.recognisers)
      this.publish(callId, track, recogniser.end());
    log('info', 'finished', { callId, worker: this.config.WORKER_ID });
  }

  private publish(callId: string, track: AudioTrack, segments: RecognisedSegment[]): void {
    for (const segment of segments) {
      const { subject, data } = encodeTranscriptSegment({
        schemaVersion: SCHEMA_VERSION,
        callId,
        track,
        producer: this.recognisers.producer,
        note: this.recognisers.note,
        occurredAt: new Date().toISOString(),
        ...segment,
      });
      this.nc.publish(subject, data);
    }
  }

  /** Finishes every call's open segments and frees the claims, so other workers go on at once. */
  async stop(): Promise<void> {
    this.claims?.stop();
    await this.messages?.close().catch(() => undefined);
    await this.reading?.catch(() => undefined);
    for (const callId of [...this.working.keys()]) await this.end(callId);
    for (const callId of this.claims?.heldCalls ?? []) await this.claims?.release(callId);
  }
}
