import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConsumerMessages, JsMsg } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { CALL_EVENTS_STREAM, ContractViolation, decodeCallEvent } from '@asb/contracts';
import { DatabaseConnector } from '@asb/database';
import { CallEventsStreamProvisioner, NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { CallLoggerConfig } from '../config/call-logger.config';
import { DeadLetterService } from '../dead-letters/dead-letter.service';
import { hasNulCharacter } from '../dead-letters/has-nul-character.util';
import { UnstorableText } from '../dead-letters/unstorable-text.error';
import { CallEventWriter, IncomingCallEvent } from '../records/call-event-writer.service';
import { retryBackoffMs, sleep } from '../records/retry-backoff.util';
import { RecordingService } from '../recordings/recording.service';
import { ensureDurableConsumer } from './durable-consumer';
import { HeldDeliveries } from './held-deliveries';

const ACK_WAIT_MS = 30_000;
/** While a write takes longer than this, held messages are kept from redelivery this often. */
const KEEP_ALIVE_INTERVAL_MS = ACK_WAIT_MS / 3;
/** How long a stopping logger goes on writing what it already read before leaving it unacked. */
const STOP_DRAIN_MS = 2000;
/** Longest wait for the consumer to close before writing what was already read. */
const STOP_CLOSE_MS = 1000;

/**
 * Reads call.v1.> from call-logger's durable JetStream consumer (once NATS, the stream and the
 * migrated database are there) and hands the events to the writer in batches: whatever arrived
 * while the previous batch was being written, so batches grow with the load and an idle logger
 * writes each event at once. A message is acknowledged only after its transaction committed, or
 * terminated after it was parked as a dead letter.
 *
 * Messages are held by stream sequence: a redelivery of one already held (its write outlasted
 * the ack wait) only replaces the delivery that will be acknowledged, so what is held stays
 * bounded by the consumer's max_ack_pending however long the database is away.
 *
 * Not consumeCallEvents of @asb/nats: it handles one message at a time, a transaction each, which
 * tops out near a thousand events a second here; batching is what reaches the load target.
 */
@Injectable()
export class CallEventConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CallEventConsumer.name);
  private readonly held: HeldDeliveries<IncomingCallEvent>;
  private readonly stop = new AbortController();
  private readonly giveUp = new AbortController();
  private wakeWriter?: () => void;
  private messages?: ConsumerMessages;
  private reading?: Promise<void>;
  private writing?: Promise<void>;
  private keepAliveTimer?: NodeJS.Timeout;
  private batchStartedAt?: number;
  private readonly redeliveries;
  private readonly replaysSkipped;

  constructor(
    @Inject(APP_CONFIG) private readonly config: CallLoggerConfig,
    private readonly nats: NatsClient,
    private readonly stream: CallEventsStreamProvisioner,
    private readonly database: DatabaseConnector,
    private readonly writer: CallEventWriter,
    private readonly recordings: RecordingService,
    private readonly deadLetters: DeadLetterService,
    metrics: MetricsRegistry,
  ) {
    this.held = new HeldDeliveries(config.CALL_LOGGER_MAX_ACK_PENDING);
    this.redeliveries = metrics.counter<'outcome'>({
      name: 'call_logger_redeliveries_total',
      help: 'Deliveries of a message already held (merged into it), or beyond the bound of held messages (full: left to JetStream to deliver again)',
      labelNames: ['outcome'],
    });
    this.replaysSkipped = metrics.counter({
      name: 'call_logger_replayed_events_skipped_total',
      help: 'Call events of replayed calls (the replay tool), acknowledged and never recorded',
    });
  }

  onApplicationBootstrap(): void {
    this.reading = this.readForever();
    this.writing = this.writeForever();
    this.keepAliveTimer = setInterval(() => this.keepAlive(), KEEP_ALIVE_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.keepAliveTimer);
    this.stop.abort();
    // Closing a pull consumer can wait on the server's pending pulls; what is not acked by then
    // is simply redelivered to the next logger, so the stop never waits for more than a moment.
    const closing = Promise.resolve(this.messages?.close())
      .catch(() => undefined)
      .then(() => this.reading);
    await Promise.race([closing, sleep(STOP_CLOSE_MS)]);
    this.wake();
    const timer = setTimeout(() => this.giveUp.abort(), STOP_DRAIN_MS);
    await Promise.race([this.writing, sleep(STOP_DRAIN_MS + STOP_CLOSE_MS)]);
    clearTimeout(timer);
  }

  private async readForever(): Promise<void> {
    // Nothing is read before the schema is migrated: a write to a missing table would look like
    // a bad event and be parked.
    const ready = await untilAborted(
      Promise.all([this.nats.connected, this.stream.ready, this.database.ready]),
      this.stop.signal,
    );
    if (!ready) return;
    for (let attempt = 1; !this.stop.signal.aborted; attempt += 1) {
      try {
        await ensureDurableConsumer(await this.nats.jetstreamManager(), {
          stream: CALL_EVENTS_STREAM,
          durable: this.config.CALL_LOGGER_CONSUMER,
          ackWaitMs: ACK_WAIT_MS,
          maxAckPending: this.config.CALL_LOGGER_MAX_ACK_PENDING,
        });
        const consumer = await this.nats
          .jetstream()
          .consumers.get(CALL_EVENTS_STREAM, this.config.CALL_LOGGER_CONSUMER);
        const messages = await consumer.consume({
          max_messages: Math.min(this.config.CALL_LOGGER_MAX_ACK_PENDING, 1000),
        });
        this.messages = messages;
        if (this.stop.signal.aborted) break;
        this.logger.log(`consuming call events as ${this.config.CALL_LOGGER_CONSUMER}`);
        attempt = 0;
        for await (const message of messages) this.receive(message);
      } catch (error) {
        this.logger.warn(
          `call events consumer failed (attempt ${attempt}): ${(error as Error).message}`,
        );
      }
      await sleep(retryBackoffMs(Math.max(attempt, 1), 500, 15_000), this.stop.signal);
    }
    await this.messages?.close()?.catch(() => undefined);
  }

  private receive(message: JsMsg): void {
    if (isReplayedCall(message)) {
      message.ack();
      this.replaysSkipped.inc();
      return;
    }
    const receipt = this.held.receive(message, () => this.decode(message));
    if (receipt === 'held') this.wake();
    // 'full' only if the consumer's limit was lowered under us: JetStream delivers it again.
    else this.redeliveries.inc({ outcome: receipt });
  }

  private decode(message: JsMsg): IncomingCallEvent {
    try {
      const event = decodeCallEvent(message.subject, message.data);
      if (hasNulCharacter(event)) throw new UnstorableText();
      this.recordings.observe(event);
      return { kind: 'event', event, streamSequence: message.seq };
    } catch (error) {
      const reason =
        error instanceof ContractViolation || error instanceof UnstorableText
          ? error.reason
          : 'undecodable';
      const detail = (error as Error).message;
      this.deadLetters.refuse('call_event', message.subject, reason, detail);
      return {
        kind: 'invalid',
        deadLetter: {
          source: 'call_event',
          subject: message.subject,
          reason,
          error: detail,
          payload: message.data,
          streamSequence: message.seq,
          deliveryCount: message.info.redeliveryCount,
        },
      };
    }
  }

  private wake(): void {
    this.wakeWriter?.();
    this.wakeWriter = undefined;
  }

  private async writeForever(): Promise<void> {
    for (;;) {
      if (this.held.waitingCount === 0) {
        if (this.stop.signal.aborted) return;
        await new Promise<void>((resolve) => (this.wakeWriter = resolve));
        continue;
      }
      const batch = this.held.takeBatch(this.config.CALL_LOGGER_BATCH_SIZE);
      this.batchStartedAt = Date.now();
      const outcomes = await this.writer.write(
        batch.map((queued) => queued.item),
        { signal: this.giveUp.signal },
      );
      this.batchStartedAt = undefined;
      if (!outcomes) return;
      outcomes.forEach((outcome, index) => {
        if (outcome === 'stored') batch[index].message.ack();
        else batch[index].message.term();
      });
      this.held.settleBatch();
    }
  }

  /** Keeps what waits on a slow write from being redelivered (to us again) in the meantime. */
  private keepAlive(): void {
    if (this.batchStartedAt === undefined) return;
    if (Date.now() - this.batchStartedAt < KEEP_ALIVE_INTERVAL_MS) return;
    for (const { message } of this.held.all()) message.working();
  }
}

const REPLAY_FIELD = Buffer.from('"replay":{');

/**
 * A replayed call's event (a copy of a recorded call): never recorded again. The byte search
 * spares decoding every event twice; a text field that happens to hold the same bytes is decoded
 * and judged by its real replay mark.
 */
function isReplayedCall(message: JsMsg): boolean {
  const data = message.data;
  if (Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(REPLAY_FIELD) < 0) {
    return false;
  }
  try {
    return decodeCallEvent(message.subject, data).replay !== undefined;
  } catch {
    return false;
  }
}

/** The promise's value, or undefined if the signal aborts first. */
async function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return undefined;
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
