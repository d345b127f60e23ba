import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { AriIngestConfig } from '../config/ari-ingest.config';

export const LEASE_BUCKET = 'ari_ingest_leases';

/**
 * One active ari-ingest per ARI app, the others on standby: a call center's Asterisk sends an
 * app's events to one WebSocket, and two instances would tap every call twice. The active one
 * holds a key in a NATS KV bucket whose entries expire after LEADER_LEASE_TTL_MS and renews it
 * at a third of that; a standby creates the key as soon as it has expired (or was released on
 * a graceful stop) and, as the new active instance, reconciles: it takes up the live calls and
 * deletes the taps the old one left.
 */
@Injectable()
export class LeaderLease {
  private readonly logger = new Logger(LeaderLease.name);
  readonly holder = `${hostname()}-${randomUUID().slice(0, 8)}`;
  private readonly key: string;
  private kv?: KV;
  private revision = 0;
  private leading = false;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private listener: (leading: boolean) => void = () => undefined;
  private readonly gauge;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly nats: NatsClient,
    metrics: MetricsRegistry,
  ) {
    this.key = `app.${config.ARI_APP.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    this.gauge = metrics.gauge({
      name: 'ari_ingest_leader',
      help: '1 while this instance is the active one',
    });
    this.gauge.set(0);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts competing for the lease; the listener hears every change of role. */
  start(listener: (leading: boolean) => void): void {
    this.listener = listener;
    void this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.nats.connected;
      this.kv ??= await this.nats.jetstream().views.kv(LEASE_BUCKET, {
        history: 1,
        ttl: this.config.LEADER_LEASE_TTL_MS,
      });
      if (this.leading) {
        this.revision = await this.kv.update(this.key, this.holder, this.revision);
      } else {
        this.revision = await this.kv.create(this.key, this.holder);
        this.change(true);
      }
    } catch (error) {
      if (this.leading) {
        this.logger.error(`lost the lease (${(error as Error).message}); standing by`);
        this.change(false);
      }
    }
    if (!this.stopped)
      this.timer = setTimeout(() => void this.tick(), this.config.LEADER_LEASE_TTL_MS / 3);
  }

  private change(leading: boolean): void {
    this.leading = leading;
    this.gauge.set(leading ? 1 : 0);
    if (leading)
      this.logger.log(`${this.holder} is the active ari-ingest for app ${this.config.ARI_APP}`);
    this.listener(leading);
  }

  /** Stops competing and hands the lease over at once instead of letting it expire. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (!this.leading || !this.kv) return;
    this.leading = false;
    this.gauge.set(0);
    await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => undefined);
  }
}
