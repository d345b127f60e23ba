import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { ARI_INGEST_LEASE_BUCKET } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { AriIngestConfig } from '../config/ari-ingest.config';

const RENEWAL_RETRY_MS = 500;

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
  private expiry?: NodeJS.Timeout;
  /** Epoch ms at which the lease we last wrote expires. */
  private leaseUntil = 0;
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
      this.kv ??= await this.nats.jetstream().views.kv(ARI_INGEST_LEASE_BUCKET, { history: 1 });
      const lease = this.encode();
      if (this.leading) {
        this.revision = await this.kv.update(this.key, lease.bytes, this.revision);
        this.renewed(lease.until);
      } else {
        const current = await this.kv.get(this.key);
        if (!current || current.operation !== 'PUT') {
          this.revision = await this.kv.create(this.key, lease.bytes);
        } else if (this.expired(current.value) || this.heldByUs(current.value)) {
          this.revision = await this.kv.update(this.key, lease.bytes, current.revision);
        } else {
          this.standingBy(current.value);
          return this.schedule(this.config.LEADER_LEASE_TTL_MS / 3);
        }
        this.renewed(lease.until);
        this.change(true);
      }
    } catch (error) {
      if (this.leading) return this.renewalFailed(error as Error);
    }
    this.schedule(this.config.LEADER_LEASE_TTL_MS / 3);
  }

  /**
   * A failed renewal is not a lost lease: the lease stays ours until it expires, so the renewal
   * is retried until then. A renewal that timed out may still have been stored once NATS caught
   * up, so a revision we did not expect is checked: only another holder's write, or the expiry
   * itself, ends the leadership. A NATS stall shorter than the lease costs nothing.
   */
  private async renewalFailed(error: Error): Promise<void> {
    if (/wrong last sequence/i.test(error.message)) {
      const current = await this.kv?.get(this.key).catch(() => null);
      if (current?.operation === 'PUT' && this.heldByUs(current.value)) {
        this.revision = current.revision;
        return this.schedule(0);
      }
      this.logger.error(`another instance took the lease (${error.message}); standing by`);
      this.change(false);
      return this.schedule(this.config.LEADER_LEASE_TTL_MS / 3);
    }
    const left = this.leaseUntil - Date.now();
    this.logger.warn(
      `renewing the lease failed (${error.message}); it is ours for ${Math.max(0, left)} ms more, retrying`,
    );
    this.schedule(Math.min(RENEWAL_RETRY_MS, Math.max(0, left)));
  }

  private renewed(until: number): void {
    this.leaseUntil = until;
    this.watchExpiry();
  }

  /**
   * Stands by once the lease has expired with every renewal since failed or still in flight.
   * A timer may fire a little before the wall clock says the time has come: it then waits on.
   */
  private watchExpiry(): void {
    clearTimeout(this.expiry);
    this.expiry = setTimeout(
      () => {
        if (!this.leading) return;
        if (Date.now() < this.leaseUntil) return this.watchExpiry();
        this.logger.error('the lease expired before it could be renewed; standing by');
        this.change(false);
      },
      Math.max(0, this.leaseUntil - Date.now()) + 1,
    );
  }

  private heldByUs(value: Uint8Array): boolean {
    try {
      return (JSON.parse(new TextDecoder().decode(value)) as Partial<Lease>).holder === this.holder;
    } catch {
      return false;
    }
  }

  private encode(): { bytes: Uint8Array; until: number } {
    const lease: Lease = {
      holder: this.holder,
      until: Date.now() + this.config.LEADER_LEASE_TTL_MS,
    };
    return { bytes: new TextEncoder().encode(JSON.stringify(lease)), until: lease.until };
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

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), delayMs);
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
    clearTimeout(this.expiry);
    if (!this.leading || !this.kv) return;
    this.leading = false;
    this.gauge.set(0);
    await this.kv.delete(this.key, { previousSeq: this.revision }).catch(() => undefined);
  }
}
