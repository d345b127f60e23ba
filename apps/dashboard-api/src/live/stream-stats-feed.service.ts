import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from 'nats';
import { STATS_WILDCARD, STREAM_STATS_MAX_BYTES, streamStatsSchema } from '@asb/contracts';
import { NatsClient, subscribeJson } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { LiveCallsStore } from './live-calls.store';

/**
 * Feeds the stream health samples (core NATS, about one per stream per second) into the live
 * picture. Every replica subscribes on its own: a sample missed while away is replaced by the
 * next one, since the counters are totals.
 */
@Injectable()
export class StreamStatsFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private closing = false;
  private readonly invalid;

  constructor(
    private readonly nats: NatsClient,
    private readonly store: LiveCallsStore,
    metrics: MetricsRegistry,
  ) {
    this.invalid = metrics.counter({
      name: 'dashboard_live_invalid_messages_total',
      help: 'Messages refused by the live view, by subject kind and reason',
      labelNames: ['kind', 'reason'],
    });
  }

  onApplicationBootstrap(): void {
    void this.nats.connected.then((nc) => {
      if (this.closing) return;
      this.subscription = subscribeJson(nc, {
        subject: STATS_WILDCARD,
        schema: streamStatsSchema,
        maxBytes: STREAM_STATS_MAX_BYTES,
        handle: (stats) => this.store.applyStats(stats),
        onInvalid: (_message, violation) =>
          this.invalid.inc({ kind: 'stream_stats', reason: violation.reason }),
      });
    });
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    this.subscription?.unsubscribe();
  }
}
