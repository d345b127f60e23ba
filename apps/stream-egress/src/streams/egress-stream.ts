import type { AudioFrame, AudioTrack, EgressStopped } from '@asb/contracts';
import type { FrameSink } from '../audio/frame-sink';
import type { LiveCall } from '../calls/live-call';
import type { EgressFormat, MediaUnit, WireMessage } from '../formats/egress-format';
import type { EgressDirection, StreamMetrics } from '../metrics/egress-metrics';
import { BoundedQueue } from './bounded-queue';
import type { EgressTransport, TransportListener } from './egress-transport';

export type EgressStopReason = EgressStopped['reason'];

export interface EgressStreamSpec {
  /** Twilio's streamSid where the format is twilio; the id in egress events either way. */
  streamId: string;
  direction: EgressDirection;
  /** The backend URL without credentials or query (outbound), or the client's id (inbound). */
  target: string;
  format: EgressFormat;
}

export interface EgressStreamOptions {
  /** Media messages held while the socket is full; beyond it the oldest are dropped. */
  queueMaxFrames: number;
  /** Bytes the socket may hold unsent before messages wait in the queue. */
  highWaterBytes: number;
  metrics: StreamMetrics;
  /** The stream's first connection opened (publish egress_started). */
  onStarted(stream: EgressStream): void;
  /** The stream is over (publish egress_stopped, let go of its claim and audio). */
  onStopped(stream: EgressStream, reason: EgressStopReason): void;
}

type StreamState = 'connecting' | 'open' | 'down' | 'stopped';

/** Answers a stream gives on average (twilio marks), and how many may come at once. */
export const ANSWERS_PER_SECOND = 50;
export const ANSWER_BURST = 100;

/**
 * One call's audio going to one backend, for the call's whole life. Frames from NATS become the
 * format's media messages and go straight to the socket while it keeps up; when the socket holds
 * more than `highWaterBytes` unsent, messages wait in a queue of at most `queueMaxFrames`, and a
 * full queue drops its oldest message (counted: a live listener wants the newest audio). While the
 * backend is not connected, audio is dropped and counted rather than saved up: a reconnected
 * backend resumes with the current audio, never a replay of stale audio. Only the first connection
 * is waited for with a (bounded) queue, so the audio of the tap's first moments is not lost.
 */
export class EgressStream implements FrameSink, TransportListener {
  private state: StreamState = 'connecting';
  private transport?: EgressTransport;
  private readonly queue: BoundedQueue<MediaUnit>;
  private everOpened = false;
  private stopReason?: EgressStopReason;
  private stopping?: Promise<void>;
  private answerAllowance = ANSWER_BURST;
  private allowanceAt = performance.now();
  framesSent = 0;
  framesDropped = 0;
  reconnects = 0;
  /** The call's key presses this stream has heard of (a stream tells only of later ones). */
  private keyPressesSeen: number;
  private readonly emitUnit = (unit: MediaUnit) => this.push(unit);

  constructor(
    readonly spec: EgressStreamSpec,
    private call: LiveCall,
    private readonly options: EgressStreamOptions,
  ) {
    this.queue = new BoundedQueue(options.queueMaxFrames);
    this.keyPressesSeen = call.keyPresses;
    options.metrics.active.inc();
    spec.format.tapsChanged(new Set(call.taps.keys()));
  }

  get streamId(): string {
    return this.spec.streamId;
  }

  get callId(): string {
    return this.call.callId;
  }

  get isStopped(): boolean {
    return this.state === 'stopped';
  }

  get queuedFrames(): number {
    return this.queue.length;
  }

  /** Whether media given now goes straight to the socket: open, nothing queued, room left. */
  get hasRoom(): boolean {
    return (
      this.state === 'open' &&
      this.queue.length === 0 &&
      (this.transport?.bufferedAmount ?? Infinity) < this.options.highWaterBytes
    );
  }

  /** The reason the stream stopped with, once it has. */
  get stoppedWith(): EgressStopReason | undefined {
    return this.stopReason;
  }

  bind(transport: EgressTransport): void {
    this.transport = transport;
  }

  /** The call's taps or metadata changed, or a key was pressed. */
  callChanged(call: LiveCall): void {
    this.call = call;
    this.spec.format.tapsChanged(new Set(call.taps.keys()));
    if (call.keyPresses !== this.keyPressesSeen && call.lastKeyPress) {
      this.keyPressesSeen = call.keyPresses;
      // Like audio, a press is told while a backend is connected, never saved up for later.
      if (this.state === 'open') this.transport?.send(this.spec.format.keyPress(call.lastKeyPress));
    }
  }

  // --- audio in --------------------------------------------------------------------------------

  onFrame(track: AudioTrack, frame: AudioFrame, receivedAt: number): void {
    if (this.state === 'stopped') return;
    this.spec.format.accept(track, frame, receivedAt, this.emitUnit);
  }

  private push(unit: MediaUnit): void {
    if (this.state === 'open') {
      const transport = this.transport as EgressTransport;
      if (this.queue.length === 0 && transport.bufferedAmount < this.options.highWaterBytes) {
        this.write(unit);
        return;
      }
      this.enqueue(unit, 'backend_slow');
      this.flush();
    } else if (this.state === 'connecting') {
      this.enqueue(unit, 'backend_unavailable');
    } else if (this.state === 'down') {
      this.drop('backend_unavailable', 1);
    }
  }

  private enqueue(unit: MediaUnit, reasonIfFull: 'backend_slow' | 'backend_unavailable'): void {
    const evicted = this.queue.push(unit);
    if (evicted) this.drop(reasonIfFull, 1);
    else this.options.metrics.queued.inc();
  }

  /** Writes queued messages while the socket has room (all of them when `force`). */
  private flush(force = false): void {
    const transport = this.transport;
    if (!transport) return;
    let written = 0;
    while (
      this.queue.length > 0 &&
      transport.isOpen &&
      (force || transport.bufferedAmount < this.options.highWaterBytes)
    ) {
      this.write(this.queue.shift() as MediaUnit);
      written += 1;
    }
    if (written > 0) this.options.metrics.queued.dec(written);
  }

  private write(unit: MediaUnit): void {
    (this.transport as EgressTransport).send(this.spec.format.serialize(unit));
    this.framesSent += 1;
    this.options.metrics.sent.inc();
    this.options.metrics.latency.observe((performance.now() - unit.receivedAt) / 1000);
  }

  private drop(reason: 'backend_slow' | 'backend_unavailable', count: number): void {
    this.framesDropped += count;
    this.options.metrics.dropped[reason].inc(count);
  }

  private dropQueue(): void {
    const count = this.queue.clear();
    if (count > 0) {
      this.options.metrics.queued.dec(count);
      this.drop('backend_unavailable', count);
    }
  }

  // --- the connection ----------------------------------------------------------------------------

  /**
   * A connection opened: greet, start, then whatever waited for the first connection. `greeted`
   * when the connection already had its greeting (an inbound client waiting for the next call).
   */
  opened(greeted = false): void {
    if (this.state === 'stopped') return;
    const format = this.spec.format;
    const opening: WireMessage[] = [
      ...(greeted ? [] : format.greeting()),
      ...format.start(this.call),
    ];
    for (const message of opening) this.transport?.send(message);
    this.state = 'open';
    this.options.metrics.connected.inc();
    if (this.everOpened) {
      this.reconnects += 1;
      this.options.metrics.reconnects.inc();
    } else {
      this.everOpened = true;
      this.options.onStarted(this);
    }
    this.flush();
  }

  lost(_detail: string, wasOpen: boolean): void {
    if (this.state === 'stopped') return;
    if (wasOpen) this.options.metrics.connected.dec();
    else this.options.metrics.connectFailures.inc();
    this.state = 'down';
    this.dropQueue();
  }

  ended(): void {
    if (this.state === 'stopped') return;
    if (this.state === 'open') this.options.metrics.connected.dec();
    this.finish('backend_closed');
  }

  /**
   * Answers what the format answers (twilio: a mark), at most ANSWERS_PER_SECOND on average, so a
   * backend that floods us with marks cannot make us send without end.
   */
  received(data: Buffer, isBinary: boolean): void {
    if (this.state !== 'open') return;
    const answer = this.spec.format.answer(data, isBinary);
    if (answer === undefined) return;
    const now = performance.now();
    this.answerAllowance = Math.min(
      ANSWER_BURST,
      this.answerAllowance + ((now - this.allowanceAt) / 1000) * ANSWERS_PER_SECOND,
    );
    this.allowanceAt = now;
    if (this.answerAllowance < 1) {
      this.options.metrics.answersRefused.inc();
      return;
    }
    this.answerAllowance -= 1;
    this.transport?.send(answer);
  }

  /**
   * Ends the stream: what is queued goes out, then the format's closing messages (twilio: stop)
   * and a normal close. Resolves once the connection is gone (at most `graceMs` after the close).
   */
  stop(reason: EgressStopReason, graceMs: number): Promise<void> {
    if (this.stopping) return this.stopping;
    const transport = this.transport;
    const wasOpen = this.state === 'open';
    if (this.state !== 'stopped' && wasOpen && transport?.isOpen) {
      this.flush(true);
      for (const message of this.spec.format.stop(this.call)) transport.send(message);
    }
    if (wasOpen) this.options.metrics.connected.dec();
    // A stream that never connected failed its backend, whatever ended it.
    const finalReason = !this.everOpened && reason === 'call_ended' ? 'backend_failed' : reason;
    const alreadyStopped = this.state === 'stopped';
    this.finish(finalReason);
    this.stopping = (async () => {
      if (!alreadyStopped || transport?.isOpen) {
        await transport?.close(
          reason === 'shutdown' ? 1001 : 1000,
          reason === 'shutdown' ? 'going away' : 'stream ended',
          graceMs,
        );
      }
    })();
    return this.stopping;
  }

  private finish(reason: EgressStopReason): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.stopReason = reason;
    this.dropQueue();
    this.options.metrics.active.dec();
    this.options.onStopped(this, reason);
  }
}
