import { AckPolicy, ConsumerConfig, DeliverPolicy, JetStreamManager, nanos } from 'nats';

export interface DurableConsumerSettings {
  stream: string;
  durable: string;
  filterSubject: string;
  ackWaitMs: number;
  maxAckPending: number;
}

/**
 * Creates one of call-logger's durable consumers (every call event, every transcript segment),
 * or brings the settings an operator may change to the configured ones. A new consumer starts at
 * the first stored message, so a logger deployed after the bridge still records everything the
 * stream kept.
 *
 * One filter subject: nats-server 2.9 ignores the plural `filter_subjects`.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  settings: DurableConsumerSettings,
): Promise<void> {
  const changeable: Partial<ConsumerConfig> = {
    ack_wait: nanos(settings.ackWaitMs),
    max_ack_pending: settings.maxAckPending,
  };
  try {
    const existing = await jsm.consumers.info(settings.stream, settings.durable);
    if (
      existing.config.ack_wait !== changeable.ack_wait ||
      existing.config.max_ack_pending !== changeable.max_ack_pending
    ) {
      await jsm.consumers.update(settings.stream, settings.durable, changeable);
    }
  } catch (error) {
    if (!/consumer not found/i.test((error as Error).message)) throw error;
    await jsm.consumers.add(settings.stream, {
      ...changeable,
      durable_name: settings.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: settings.filterSubject,
    });
  }
}
