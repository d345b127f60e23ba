import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { ConsumerMessages, DeliverPolicy, JsMsg } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { CALL_EVENTS_STREAM, ContractViolation, decodeCallEvent } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { LiveCallsStore } from './live-calls.store';

const RETRY_MAX_MS = 10_000;

/**
 * Feeds the call events into the live picture through an ordered consumer of its own: no durable
 * state, nothing shared with other replicas, and at start a replay of the recent past so calls
 * already in progress show up. Each replica sees every event (never a queue group).
 */
@Injectable()
export class CallEventFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CallEventFeed.name);
  private messages?: ConsumerMessages;
  private closing = false;
  private lastSequence = 0;
  private caughtUpResolve!: () => void;
  /** Resolves when the replay reached the end of the stream (the picture is complete). */
  readonly caughtUp = new Promise<void>((resolve) => (this.caughtUpResolve = resolve));
  private readonly events;
  private readonly invalid;

  constructor(
    @Inject(APP_CONFIG) private readonly config: DashboardApiConfig,
    private readonly nats: NatsClient,
    private readonly store: LiveCallsStore,
    metrics: MetricsRegistry,
  ) {
    this.events = metrics.counter({
      name: 'dashboard_live_call_events_total',
      help: 'Call events applied to the live view',
      labelNames: ['event'],
    });
    this.invalid = metrics.counter({
      name: 'dashboard_live_invalid_messages_total',
      help: 'Messages refused by the live view, by subject kind and reason',
      labelNames: ['kind', 'reason'],
    });
  }

  onApplicationBootstrap(): void {
    void this.run();
  }

  private startOptions() {
    if (this.lastSequence > 0) {
      return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastSequence + 1 };
    }
    if (this.config.DASHBOARD_LIVE_REPLAY_MINUTES === 0)
      return { deliver_policy: DeliverPolicy.New };
    const since = Date.now() - this.config.DASHBOARD_LIVE_REPLAY_MINUTES * 60_000;
    return {
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(since).toISOString(),
    };
  }

  private async run(): Promise<void> {
    const nc = await this.nats.connected;
    for (let attempt = 1; !this.closing; attempt += 1) {
      try {
        const consumer = await nc
          .jetstream()
          .consumers.get(CALL_EVENTS_STREAM, this.startOptions());
        this.messages = await consumer.consume({ max_messages: 512 });
        if ((await consumer.info(true)).num_pending === 0) this.caughtUpResolve();
        attempt = 0;
        for await (const message of this.messages) this.apply(message);
        // The iterator ends on shutdown, or when the server dropped the consumer: follow again.
        await new Promise((resolve) => setTimeout(resolve, 250));
      } catch (error) {
        if (this.closing) return;
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `cannot follow the call events stream yet (attempt ${attempt}): ${(error as Error).message}`,
          );
        }
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(250 * 2 ** Math.min(attempt, 6), RETRY_MAX_MS)),
        );
      }
    }
  }

  private apply(message: JsMsg): void {
    this.lastSequence = message.info.streamSequence;
    try {
      const event = decodeCallEvent(message.subject, message.data);
      // A replayed call is a copy of a recorded one played to AI backends, not a call in progress.
      if (event.replay === undefined) this.store.applyEvent(event);
      this.events.inc({ event: event.replay === undefined ? event.event : 'replayed' });
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      this.invalid.inc({ kind: 'call_event', reason: error.reason });
    }
    if (message.info.pending === 0) this.caughtUpResolve();
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    this.messages?.stop();
  }
}
