import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { AriIngestConfig } from '../config/ari-ingest.config';

export const LEASE_BUCKET = 'ari_ingest_leaders';

interface Lease {
  holder: string;
  /** Epoch milliseconds after which a standby may take the lease. */
  until: number;
}

/**
 * One active ari-ingest per ARI app, the others on standby: a call center's Asterisk sends an
 * app's events to one WebSocket, and two instances would tap every call twice. The active one
 * holds a key in a NATS KV bucket, stamped with an expiry LEADER_LEASE_TTL_MS ahead, and renews
 * it at a third of that; a standby takes the key over once the stamp has passed (or the key was
 * deleted on a graceful stop), always by compare-and-set on the key's revision, so two standbys
 * never both win. The new active instance reconciles: it takes up the live calls, ends the ones
 * that vanished and deletes the taps the old one left. The expiry lives in the value rather than
 * in the bucket's max age so that instances with different settings share one bucket; hosts'
 * clocks must agree to well within the TTL (NTP).
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
  private announcedStandby = false;
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
      this.kv ??= await this.nats.jetstream().views.kv(LEASE_BUCKET, { history: 1 });
      const lease = this.encode();
      if (this.leading) {
        this.revision = await this.kv.update(this.key, lease, this.revision);
      } else {
        const current = await this.kv.get(this.key);
        if (!current || current.operation !== 'PUT') {
          this.revision = await this.kv.create(this.key, lease);
        } else if (this.expired(current.value)) {
          this.revision = await this.kv.update(this.key, lease, current.revision);
        } else {
          this.standingBy(current.value);
          return this.schedule();
        }
        this.change(true);
      }
    } catch (error) {
      if (this.leading) {
        this.logger.error(`lost the lease (${(error as Error).message}); standing by`);
        this.change(false);
      }
    }
    this.schedule();
  }

  private encode(): Uint8Array {
    const lease: Lease = {
      holder: this.holder,
      until: Date.now() + this.config.LEADER_LEASE_TTL_MS,
    };
    return new TextEncoder().encode(JSON.stringify(lease));
  }

  private expired(value: Uint8Array): boolean {
    try {
      const lease = JSON.parse(new TextDecoder().decode(value)) as Partial<Lease>;
      return typeof lease.until !== 'number' || lease.until < Date.now();
    } catch {
      return true;
    }
  }

  private standingBy(value: Uint8Array): void {
    if (this.announcedStandby) return;
    this.announcedStandby = true;
    this.logger.log(
      `another instance holds the lease for app ${this.config.ARI_APP} (${new TextDecoder().decode(value)}); standing by`,
    );
  }

  private schedule(): void {
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
