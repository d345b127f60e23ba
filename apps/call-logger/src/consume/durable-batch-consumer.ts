import { Logger } from '@nestjs/common';
import type { ConsumerMessages, JetStreamManager, JsMsg } from 'nats';
import type { Counter } from 'prom-client';
import type { NatsClient } from '@asb/nats';
import type { MetricsRegistry } from '@asb/observability';
import { retryBackoffMs, sleep } from '../records/retry-backoff.util';
import type { WriteOptions, WriteOutcome } from '../records/retrying-batch-writer';
import { ensureDurableConsumer } from './durable-consumer';
import { HeldDeliveries } from './held-deliveries';

export const ACK_WAIT_MS = 30_000;
/** While a write takes longer than this, held messages are kept from redelivery this often. */
const KEEP_ALIVE_INTERVAL_MS = ACK_WAIT_MS / 3;
/** How long a stopping logger goes on writing what it already read before leaving it unacked. */
const STOP_DRAIN_MS = 2000;
/** Longest wait for the consumer to close before writing what was already read. */
const STOP_CLOSE_MS = 1000;

export interface DurableBatchConsumerOptions<T> {
  /** What the messages are, for logs: `call events`. */
  what: string;
  stream: string;
  durable: string;
  filterSubject: string;
  maxAckPending: number;
  batchSize: number;
  /** What must be there before anything is read: NATS, the stream, the migrated schema. */
  ready: Promise<unknown>;
  /** Run before each attempt to create the consumer, e.g. provisioning the stream. */
  prepare?: (jsm: JetStreamManager) => Promise<unknown>;
  /** Messages acknowledged at once and never written. */
  skip?: (message: JsMsg) => boolean;
  /** The item to write for a message: an invalid message's is its dead letter. Never throws. */
  decode: (message: JsMsg) => T;
  /** One outcome per item, or undefined when given up (the messages stay unacknowledged). */
  write: (items: T[], options: WriteOptions) => Promise<WriteOutcome[] | undefined>;
}

/**
 * Reads one of call-logger's durable JetStream consumers (once `ready`) and hands the messages to
 * the writer in batches: whatever arrived while the previous batch was being written, so batches
 * grow with the load and an idle logger writes each message at once. A message is acknowledged
 * only after its transaction committed, or terminated after it was parked as a dead letter.
 *
 * Messages are held by stream sequence: a redelivery of one already held (its write outlasted
 * the ack wait) only replaces the delivery that will be acknowledged, so what is held stays
 * bounded by the consumer's max_ack_pending however long the database is away.
 *
 * Not consumeCallEvents of @asb/nats: it handles one message at a time, a transaction each, which
 * tops out near a thousand events a second here; batching is what reaches the load target.
 */
export class DurableBatchConsumer<T> {
  private readonly logger: Logger;
  private readonly held: HeldDeliveries<T>;
  private readonly stop = new AbortController();
  private readonly giveUp = new AbortController();
  private wakeWriter?: () => void;
  private messages?: ConsumerMessages;
  private reading?: Promise<void>;
  private writing?: Promise<void>;
  private keepAliveTimer?: NodeJS.Timeout;
  private batchStartedAt?: number;

  constructor(
    private readonly nats: NatsClient,
    private readonly options: DurableBatchConsumerOptions<T>,
    private readonly redeliveries: Counter<'outcome'>,
  ) {
    this.logger = new Logger(`DurableBatchConsumer(${options.stream})`);
    this.held = new HeldDeliveries(options.maxAckPending);
  }

  start(): void {
    this.reading = this.readForever();
    this.writing = this.writeForever();
    this.keepAliveTimer = setInterval(() => this.keepAlive(), KEEP_ALIVE_INTERVAL_MS);
  }

  async close(): Promise<void> {
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
    // a bad message and be parked.
    const ready = await untilAborted(
      this.options.ready.then(() => true),
      this.stop.signal,
    );
    if (!ready) return;
    const { what, stream, durable, maxAckPending } = this.options;
    for (let attempt = 1; !this.stop.signal.aborted; attempt += 1) {
      try {
        const jsm = await this.nats.jetstreamManager();
        await this.options.prepare?.(jsm);
        await ensureDurableConsumer(jsm, {
          stream,
          durable,
          filterSubject: this.options.filterSubject,
          ackWaitMs: ACK_WAIT_MS,
          maxAckPending,
        });
        const consumer = await this.nats.jetstream().consumers.get(stream, durable);
        const messages = await consumer.consume({ max_messages: Math.min(maxAckPending, 1000) });
        this.messages = messages;
        if (this.stop.signal.aborted) break;
        this.logger.log(`consuming ${what} as ${durable}`);
        attempt = 0;
        for await (const message of messages) this.receive(message);
      } catch (error) {
        this.logger.warn(
          `${what} consumer failed (attempt ${attempt}): ${(error as Error).message}`,
        );
      }
      await sleep(retryBackoffMs(Math.max(attempt, 1), 500, 15_000), this.stop.signal);
    }
    await this.messages?.close()?.catch(() => undefined);
  }

  private receive(message: JsMsg): void {
    if (this.options.skip?.(message)) {
      message.ack();
      return;
    }
    const receipt = this.held.receive(message, () => this.options.decode(message));
    if (receipt === 'held') this.wake();
    // 'full' only if the consumer's limit was lowered under us: JetStream delivers it again.
    else this.redeliveries.inc({ outcome: receipt });
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
      const batch = this.held.takeBatch(this.options.batchSize);
      this.batchStartedAt = Date.now();
      const outcomes = await this.options.write(
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

/** Deliveries merged into a held message, or beyond the bound (every durable consumer's). */
export function redeliveriesCounter(metrics: MetricsRegistry): Counter<'outcome'> {
  return metrics.counter({
    name: 'call_logger_redeliveries_total',
    help: 'Deliveries of a message already held (merged into it), or beyond the bound of held messages (full: left to JetStream to deliver again)',
    labelNames: ['outcome'],
  });
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
