import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConsumerMessages } from 'nats';
import { APP_CONFIG } from '@asb/config';
import {
  CALL_EVENTS_STREAM,
  CALL_EVENTS_WILDCARD,
  ContractViolation,
  decodeCallEvent,
} from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { ReadinessRegistry } from '@asb/observability';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { EgressMetrics } from '../metrics/egress-metrics';
import { LiveCallsRegistry } from './live-calls.registry';

const RETRY_MS = 2000;
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Feeds the call registry from the CALL_EVENTS stream through an *ordered ephemeral* JetStream
 * consumer on `call.v1.>` (one filter subject: nats-server 2.9 knows no list of them). Every
 * replica reads every event, since each needs the full picture of the live calls to route them;
 * nothing is acked and no state is left on the server. At start the consumer begins
 * EGRESS_EVENTS_REPLAY_MINUTES back, so a (re)started replica learns the calls already in
 * progress; the registry acts once that replay is done. The ordered consumer re-creates itself
 * after a NATS outage from the last sequence it saw, so no event is missed or seen twice.
 */
@Injectable()
export class CallEventsSource {
  private readonly logger = new Logger(CallEventsSource.name);
  private messages?: ConsumerMessages;
  private stopped = false;
  private consuming = false;
  private sweepTimer?: NodeJS.Timeout;
  private done?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: StreamEgressConfig,
    private readonly nats: NatsClient,
    private readonly registry: LiveCallsRegistry,
    private readonly metrics: EgressMetrics,
    readiness: ReadinessRegistry,
  ) {
    readiness.register('jetstream', () => ({
      up: this.consuming && this.registry.isCaughtUp,
      detail: { liveCalls: this.registry.size },
    }));
  }

  /** Starts consuming in the background, retrying until NATS and the stream are there. */
  start(): void {
    this.done = this.run();
    this.sweepTimer = setInterval(() => this.registry.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  private async run(): Promise<void> {
    await this.nats.connected;
    for (let attempt = 1; !this.stopped; attempt += 1) {
      try {
        await this.consume();
        return;
      } catch (error) {
        this.consuming = false;
        if (attempt === 1 || attempt % 15 === 0) {
          this.logger.warn(
            `cannot consume ${CALL_EVENTS_STREAM} yet (attempt ${attempt}): ${(error as Error).message}; retrying`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  private async consume(): Promise<void> {
    const startTime = new Date(Date.now() - this.config.EGRESS_EVENTS_REPLAY_MINUTES * 60_000);
    const consumer = await this.nats.jetstream().consumers.get(CALL_EVENTS_STREAM, {
      filterSubjects: CALL_EVENTS_WILDCARD,
      opt_start_time: startTime.toISOString(),
    });
    const messages = await consumer.consume({ max_messages: 512 });
    if (this.stopped) {
      await messages.close();
      return;
    }
    this.messages = messages;
    this.consuming = true;
    const info = await consumer.info(true);
    if (info.num_pending === 0) this.caughtUp();
    else
      this.logger.log(`replaying ${info.num_pending} call events since ${startTime.toISOString()}`);
    for await (const message of messages) {
      try {
        const event = decodeCallEvent(message.subject, message.data);
        this.metrics.callEvents.inc({ event: event.event });
        this.registry.apply(event);
      } catch (error) {
        if (!(error instanceof ContractViolation)) {
          this.logger.error(`handling ${message.subject} failed: ${(error as Error).stack}`);
        } else {
          this.metrics.callEventsInvalid.inc({ reason: error.reason });
        }
      }
      if (message.info.pending === 0) this.caughtUp();
    }
    this.consuming = false;
  }

  private caughtUp(): void {
    if (this.registry.isCaughtUp) return;
    this.logger.log(`caught up with the call events: ${this.registry.live().length} live calls`);
    this.registry.markCaughtUp();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    const messages = this.messages;
    this.messages = undefined;
    if (messages) {
      await messages.close().catch(() => undefined);
      await this.done?.catch(() => undefined);
    }
    this.consuming = false;
  }
}
