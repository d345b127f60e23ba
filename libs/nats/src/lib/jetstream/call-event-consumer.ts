import { AckPolicy, ConsumerMessages, DeliverPolicy, JsMsg, NatsConnection, nanos } from 'nats';
import { CALL_EVENTS_STREAM, CallEvent, ContractViolation, decodeCallEvent } from '@asb/contracts';

export interface CallEventConsumerOptions {
  /** Durable consumer name: the consumer's position survives restarts under this name. */
  durable: string;
  /** Defaults to every call event. */
  filterSubject?: string;
  /** Called once per valid event; resolve to ack, throw to have it redelivered after a backoff. */
  handle: (event: CallEvent, message: JsMsg) => Promise<void>;
  /** A message that can never be valid: it is terminated (never redelivered) after this. */
  onInvalid: (message: JsMsg, violation: ContractViolation) => Promise<void> | void;
  /** Called when `handle` throws, before the message is nak'ed. */
  onHandlerError?: (event: CallEvent, error: unknown, message: JsMsg) => void;
  maxAckPending?: number;
  ackWaitMs?: number;
  /** Redelivery backoff for a failed handler, by delivery count (last value repeats). */
  retryDelaysMs?: number[];
  stream?: string;
}

export interface CallEventConsumerHandle {
  stop(): Promise<void>;
  /** Resolves when the consume loop has ended. */
  done: Promise<void>;
}

const DEFAULT_RETRY_DELAYS_MS = [250, 1000, 2000, 5000, 10_000, 30_000];

/**
 * Consumes call events from a durable pull consumer with explicit acks. Valid events are acked
 * only after `handle` resolved; invalid ones are parked through `onInvalid` and terminated.
 */
export async function consumeCallEvents(
  nc: NatsConnection,
  options: CallEventConsumerOptions,
): Promise<CallEventConsumerHandle> {
  const stream = options.stream ?? CALL_EVENTS_STREAM;
  const jsm = await nc.jetstreamManager();
  const config = {
    durable_name: options.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(options.ackWaitMs ?? 30_000),
    max_ack_pending: options.maxAckPending ?? 1000,
    filter_subject: options.filterSubject,
  };
  try {
    await jsm.consumers.info(stream, options.durable);
    await jsm.consumers.update(stream, options.durable, {
      ack_wait: config.ack_wait,
      max_ack_pending: config.max_ack_pending,
    });
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw error;
    await jsm.consumers.add(stream, config);
  }

  const consumer = await nc.jetstream().consumers.get(stream, options.durable);
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const consumed = await consumer.consume({
    max_messages: Math.min(options.maxAckPending ?? 1000, 256),
  });
  let messages: ConsumerMessages | undefined = consumed;

  const done = (async () => {
    for await (const message of consumed) {
      let event: CallEvent;
      try {
        event = decodeCallEvent(message.subject, message.data);
      } catch (error) {
        if (!(error instanceof ContractViolation)) throw error;
        await options.onInvalid(message, error);
        message.term();
        continue;
      }
      try {
        await options.handle(event, message);
        message.ack();
      } catch (error) {
        options.onHandlerError?.(event, error, message);
        const attempt = Math.max(0, message.info.redeliveryCount - 1);
        message.nak(delays[Math.min(attempt, delays.length - 1)]);
      }
    }
  })();

  return {
    done,
    async stop() {
      const current = messages;
      messages = undefined;
      if (current) {
        await current.close();
        await done.catch(() => undefined);
      }
    },
  };
}
