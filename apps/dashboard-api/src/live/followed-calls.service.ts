import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { KvEntry, QueuedIterator } from 'nats';
import { ARI_INGEST_CALLS_BUCKET, followedCallSchema } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { CallEventFeed } from './call-event-feed.service';
import { LiveCallsStore } from './live-calls.store';

/** How often the live view is checked against the calls ari-ingest follows. */
const SETTLE_INTERVAL_MS = 5000;
/** A call this young may not be in the registry yet (ari-ingest records it after `started`). */
const SETTLE_GRACE_MS = 15_000;
const RETRY_MAX_MS = 10_000;

const decoder = new TextDecoder();

/**
 * The calls some ari-ingest follows, read from its registry (a NATS KV bucket it keeps while a
 * call lives and purges at its end), so the live view shows only those. The call events stream
 * alone cannot settle it: replayed after a restart, it brings back every call whose end was
 * never published (a previous run's, another ARI app's), and they would stay for hours. Until
 * the registry has been read in full nothing is dropped: not knowing is not a reason.
 */
@Injectable()
export class FollowedCalls implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FollowedCalls.name);
  /** Registry key -> call id. */
  private readonly keys = new Map<string, string>();
  private initialized = false;
  private closing = false;
  private watch?: QueuedIterator<KvEntry>;
  private timer?: NodeJS.Timeout;
  private readonly dropped;

  constructor(
    private readonly nats: NatsClient,
    private readonly store: LiveCallsStore,
    private readonly feed: CallEventFeed,
    metrics: MetricsRegistry,
  ) {
    this.dropped = metrics.counter({
      name: 'dashboard_live_unfollowed_calls_total',
      help: 'Calls taken off the live view because no ari-ingest follows them (their end was never published)',
    });
  }

  onApplicationBootstrap(): void {
    void this.run();
    this.timer = setInterval(() => this.settle(), SETTLE_INTERVAL_MS);
    this.timer.unref();
  }

  /** Settles the live view once the registry and the replay are both complete. */
  settle(nowMs = Date.now()): number {
    if (!this.initialized) return 0;
    const dropped = this.store.settle(new Set(this.keys.values()), SETTLE_GRACE_MS, nowMs);
    if (dropped > 0) {
      this.dropped.inc(dropped);
      this.logger.log(`${dropped} calls no ari-ingest follows taken off the live view`);
    }
    return dropped;
  }

  private async run(): Promise<void> {
    const nc = await this.nats.connected;
    for (let attempt = 1; !this.closing; attempt += 1) {
      try {
        const kv = await nc.jetstream().views.kv(ARI_INGEST_CALLS_BUCKET, { bindOnly: true });
        this.keys.clear();
        this.initialized = false;
        this.watch = await kv.watch({
          key: '>',
          initializedFn: () => {
            void this.feed.caughtUp.then(() => {
              this.initialized = true;
              this.settle();
            });
          },
        });
        attempt = 0;
        for await (const entry of this.watch) this.apply(entry);
      } catch (error) {
        if (this.closing) return;
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `cannot read the calls ari-ingest follows yet (attempt ${attempt}): ${(error as Error).message}`,
          );
        }
      }
      this.initialized = false;
      if (this.closing) return;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(250 * 2 ** Math.min(attempt, 6), RETRY_MAX_MS)),
      );
    }
  }

  private apply(entry: KvEntry): void {
    if (entry.operation !== 'PUT') {
      this.keys.delete(entry.key);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(entry.value));
    } catch {
      parsed = undefined;
    }
    const followed = followedCallSchema.safeParse(parsed);
    if (followed.success) this.keys.set(entry.key, followed.data.callId);
    else this.keys.delete(entry.key);
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    clearInterval(this.timer);
    this.watch?.stop();
  }
}
