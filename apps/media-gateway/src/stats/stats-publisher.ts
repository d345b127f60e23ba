import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import {
  SCHEMA_VERSION,
  STREAM_STATS_MAX_BYTES,
  statsSubject,
  streamStatsSchema,
} from '@asb/contracts';
import { NatsClient, publishJson } from '@asb/nats';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { GatewayIdentity } from '../identity/gateway-identity';
import type { StatsSource } from './stats-source';

const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Publishes stats.v1.<callId>.<track> for every stream once per GATEWAY_STATS_INTERVAL_MS, from
 * one timer for all streams, and a last sample when a stream goes away so its final counters
 * are known. Samples taken while NATS is away are not sent; counters are totals, so the next
 * sample catches up.
 */
@Injectable()
export class StatsPublisher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StatsPublisher.name);
  /** One allocation's stream each, whose counters start from zero. */
  private readonly sources = new Set<StatsSource>();
  private timer?: NodeJS.Timeout;
  private closed = false;
  private lastFailureLogAt = -Infinity;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MediaGatewayConfig,
    private readonly nats: NatsClient,
    private readonly identity: GatewayIdentity,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.publishAll(), this.config.GATEWAY_STATS_INTERVAL_MS);
  }

  add(source: StatsSource): void {
    this.sources.add(source);
  }

  remove(source: StatsSource): void {
    if (!this.sources.delete(source)) return;
    this.publish(source, performance.now(), new Date().toISOString());
  }

  beforeApplicationShutdown(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  private publishAll(): void {
    const now = performance.now();
    const sampledAt = new Date().toISOString();
    for (const source of this.sources) this.publish(source, now, sampledAt);
  }

  private publish(source: StatsSource, nowMs: number, sampledAt: string): void {
    const sample = source.sampleStats(nowMs);
    if (this.closed || !this.nats.isConnected) return;
    try {
      publishJson(
        this.nats.connection,
        statsSubject(sample.callId, sample.track),
        streamStatsSchema,
        {
          schemaVersion: SCHEMA_VERSION,
          gatewayId: this.identity.gatewayId,
          runId: source.runId,
          bootId: this.identity.bootId,
          sampledAt,
          ...sample,
        },
        STREAM_STATS_MAX_BYTES,
      );
    } catch (error) {
      const now = performance.now();
      if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
      this.lastFailureLogAt = now;
      this.logger.warn(
        `publishing stats of ${sample.callId}/${sample.track} failed: ${(error as Error).message}`,
      );
    }
  }
}
