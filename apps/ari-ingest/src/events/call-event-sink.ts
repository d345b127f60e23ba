import { Injectable, Logger } from '@nestjs/common';
import type { CallEvent } from '@asb/contracts';
import { CallEventPublisher } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';

/**
 * Publishes call events to JetStream in order per call: each call's events go through one chain,
 * so `answered` never overtakes `started` even when a publish has to be retried. A publish is
 * retried with backoff for as long as it takes (NATS reconnects forever, and a call's record
 * must not be lost); JetStream drops the repeat by eventId if an earlier try did land.
 */
@Injectable()
export class CallEventSink {
  private readonly logger = new Logger(CallEventSink.name);
  private readonly chains = new Map<string, Promise<void>>();
  private readonly observers: Array<(event: CallEvent) => void> = [];
  private readonly published;
  private readonly retries;

  constructor(
    private readonly publisher: CallEventPublisher,
    metrics: MetricsRegistry,
  ) {
    this.published = metrics.counter({
      name: 'ari_ingest_call_events_published_total',
      help: 'Call events published to JetStream',
      labelNames: ['event'],
    });
    this.retries = metrics.counter({
      name: 'ari_ingest_call_event_publish_retries_total',
      help: 'Call event publishes that failed and were retried',
      labelNames: ['event'],
    });
  }

  /** Calls `observer` with every event once it is queued, in the order the calls' facts happen. */
  observe(observer: (event: CallEvent) => void): void {
    this.observers.push(observer);
  }

  /** Queues the event behind the call's earlier ones; resolves when JetStream has stored it. */
  emit(event: CallEvent): Promise<void> {
    const previous = this.chains.get(event.callId) ?? Promise.resolve();
    const next = previous.then(() => this.publishWithRetry(event));
    this.chains.set(event.callId, next);
    // After the event is queued, so whatever an observer emits in turn comes after it.
    for (const observer of this.observers) observer(event);
    void next.then(() => {
      if (this.chains.get(event.callId) === next) this.chains.delete(event.callId);
    });
    return next;
  }

  private async publishWithRetry(event: CallEvent): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.publisher.publish(event);
        this.published.inc({ event: event.event });
        return;
      } catch (error) {
        this.retries.inc({ event: event.event });
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `publishing ${event.event} of ${event.callId} failed (attempt ${attempt}), retrying: ${(error as Error).message}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 10_000)));
      }
    }
  }

  /** Resolves when every queued event has been stored. */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }
}
