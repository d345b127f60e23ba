import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KV, KvEntry } from 'nats';
import { APP_CONFIG } from '@asb/config';
import { STREAM_EGRESS_CLAIMS_BUCKET } from '@asb/contracts';
import { NatsClient } from '@asb/nats';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { EgressMetrics } from '../metrics/egress-metrics';

/** Claims outlive any call: the bucket forgets them a day after they were written. */
export const CLAIMS_MAX_AGE_MS = 24 * 3600 * 1000;

export type ClaimKind = 'outbound' | 'next';
export type ClaimOutcome = 'won' | 'held' | 'taken_over';

interface Claim {
  holder: string;
  at: number;
}

interface Lease {
  until: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function decode<T>(entry: KvEntry | null): Partial<T> | undefined {
  if (!entry || entry.operation !== 'PUT') return undefined;
  try {
    return JSON.parse(decoder.decode(entry.value)) as Partial<T>;
  } catch {
    return {};
  }
}

/** JetStream's answer to a write at a revision that is no longer the key's last. */
function isWrongLastSequence(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } }).api_error;
  return apiError?.err_code === 10071 || /wrong last sequence/i.test((error as Error).message);
}

/**
 * Which replica does what, across all stream-egress replicas, in one NATS KV bucket:
 *
 * - `replica.<id>`: each replica's lease `{until}`, renewed every third of EGRESS_CLAIM_LEASE_MS.
 * - `out.<callId>.<target>`: which replica streams a call to an outbound target. Taken with a
 *   create (create-if-absent: exactly one replica wins); a replica whose lease has lapsed loses
 *   its claims to the first replica that updates them at the revision it read (compare-and-set).
 * - `next.<callId>`: a call handed to an inbound "next call" client. Create-if-absent only, never
 *   taken over: each call goes to exactly one such client, whichever replica it is connected to.
 *
 * Leases compare wall clocks: the replicas' hosts must agree to well within the lease (NTP).
 */
@Injectable()
export class ClaimStore {
  private readonly logger = new Logger(ClaimStore.name);
  readonly replicaId = `${hostname()}-${randomUUID().slice(0, 8)}`.replace(/[^A-Za-z0-9_-]/g, '_');
  private kv?: KV;
  private opening?: Promise<KV>;
  private renewTimer?: NodeJS.Timeout;
  private closed = false;
  private lastRenewedAt = 0;
  private readonly aliveCache = new Map<string, { alive: boolean; checkedAt: number }>();
  private lapseListener: () => void = () => undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: StreamEgressConfig,
    private readonly nats: NatsClient,
    private readonly metrics: EgressMetrics,
  ) {}

  get leaseMs(): number {
    return this.config.EGRESS_CLAIM_LEASE_MS;
  }

  /** Called when this replica's lease lapsed and was renewed again: others may hold its claims. */
  onLeaseLapse(listener: () => void): void {
    this.lapseListener = listener;
  }

  /** Opens (or creates) the bucket and starts renewing this replica's lease. */
  open(): Promise<KV> {
    this.opening ??= (async () => {
      await this.nats.connected;
      for (let attempt = 1; ; attempt += 1) {
        if (this.closed) throw new Error('the claim store is closed');
        try {
          const kv = await this.nats
            .jetstream()
            .views.kv(STREAM_EGRESS_CLAIMS_BUCKET, { history: 1, ttl: CLAIMS_MAX_AGE_MS });
          this.kv = kv;
          await this.renew();
          this.scheduleRenewal();
          return kv;
        } catch (error) {
          if (attempt === 1 || attempt % 15 === 0) {
            this.logger.warn(
              `cannot open the claims bucket (attempt ${attempt}): ${(error as Error).message}`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      }
    })();
    return this.opening;
  }

  get isOpen(): boolean {
    return this.kv !== undefined;
  }

  private scheduleRenewal(): void {
    if (this.closed) return;
    this.renewTimer = setTimeout(() => {
      void this.renew()
        .catch((error: unknown) =>
          this.logger.warn(`renewing the replica lease failed: ${(error as Error).message}`),
        )
        .finally(() => this.scheduleRenewal());
    }, this.leaseMs / 3);
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    if (!this.kv || this.closed) return;
    const lease: Lease = { until: Date.now() + this.leaseMs };
    const previous = this.lastRenewedAt;
    await this.kv.put(`replica.${this.replicaId}`, encoder.encode(JSON.stringify(lease)));
    this.lastRenewedAt = Date.now();
    if (previous > 0 && this.lastRenewedAt - previous > this.leaseMs) {
      this.logger.warn('this replica lease lapsed (NATS was away): checking its claims');
      this.lapseListener();
    }
  }

  /**
   * Tries to take `key`. `takeover`: a claim whose holder's lease has lapsed is taken over.
   * Resolves 'won' / 'taken_over' when this replica holds the claim now, 'held' otherwise.
   */
  async claim(kind: ClaimKind, key: string, takeover: boolean): Promise<ClaimOutcome> {
    const kv = await this.open();
    const value = encoder.encode(JSON.stringify({ holder: this.replicaId, at: Date.now() }));
    let outcome: ClaimOutcome = 'held';
    try {
      await kv.create(key, value);
      outcome = 'won';
    } catch (error) {
      if (!isWrongLastSequence(error)) throw error;
      const entry = await kv.get(key);
      const current = decode<Claim>(entry);
      if (current?.holder === this.replicaId) {
        outcome = 'won';
      } else if (takeover && entry && !(await this.isAlive(current?.holder))) {
        try {
          await kv.update(key, value, entry.revision);
          outcome = 'taken_over';
          this.logger.log(`took over ${key} from ${current?.holder ?? 'a vanished replica'}`);
        } catch {
          outcome = 'held';
        }
      }
    }
    this.metrics.claims.inc({ kind, outcome });
    return outcome;
  }

  /** Whether this replica still holds `key` (false when another took it over meanwhile). */
  async holds(key: string): Promise<boolean> {
    const kv = await this.open();
    return decode<Claim>(await kv.get(key))?.holder === this.replicaId;
  }

  /** Lets go of claims this replica holds, so another replica takes them at once. */
  async release(keys: readonly string[]): Promise<void> {
    const kv = this.kv;
    if (!kv) return;
    await Promise.all(
      keys.map(async (key) => {
        try {
          const entry = await kv.get(key);
          if (decode<Claim>(entry)?.holder === this.replicaId && entry) {
            await kv.delete(key, { previousSeq: entry.revision });
          }
        } catch {
          // Best effort: the lease lapses anyway.
        }
      }),
    );
  }

  private async isAlive(holder: string | undefined): Promise<boolean> {
    if (!holder || !this.kv) return false;
    const cached = this.aliveCache.get(holder);
    const now = Date.now();
    if (cached && now - cached.checkedAt < 1000) return cached.alive;
    const lease = decode<Lease>(await this.kv.get(`replica.${holder}`));
    const alive = typeof lease?.until === 'number' && lease.until > now;
    this.aliveCache.set(holder, { alive, checkedAt: now });
    if (this.aliveCache.size > 1000) this.aliveCache.clear();
    return alive;
  }

  /** Stops renewing and deletes this replica's lease, so its remaining claims lapse at once. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.renewTimer);
    await this.kv?.delete(`replica.${this.replicaId}`).catch(() => undefined);
  }
}
