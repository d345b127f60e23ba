import type { KV } from 'nats';

interface ClaimValue {
  worker: string;
  /** Epoch ms of the holder's last renewal: a claim not renewed for a lease is up for grabs. */
  renewedAt: number;
}

export type ClaimOutcome = 'won' | 'held_elsewhere';

/**
 * One worker per call, through the `ai_worker_claims` KV bucket (key = callId): every worker
 * that sees a call's `tap_started` tries a create-if-absent, and exactly one wins. The winner
 * renews its claim every third of the lease; the others keep the call in view and take the claim
 * over (a compare-and-set on the revision they read) once its holder has not renewed it for a
 * whole lease: a worker that died or lost its connection. A worker that stops gracefully, or
 * whose call ended, deletes its claims, so another takes over at once.
 *
 * Leases compare wall clocks: the workers' hosts must agree to well within a lease (NTP).
 */
export class CallClaims {
  /** The calls this worker holds, with the revision of its last write. */
  private readonly held = new Map<string, number>();
  /** Calls another worker holds, to take over if its holder is gone. */
  private readonly watched = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly kv: KV,
    private readonly workerId: string,
    private readonly leaseMs: number,
    private readonly events: {
      /** A claim was taken over from a holder that is gone. */
      tookOver(callId: string): void;
      /** Another worker took this worker's claim (this one failed to renew in time). */
      lost(callId: string): void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), Math.max(250, Math.floor(this.leaseMs / 3)));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get heldCalls(): string[] {
    return [...this.held.keys()];
  }

  async claim(callId: string): Promise<ClaimOutcome> {
    try {
      this.held.set(callId, await this.kv.create(callId, this.value()));
      return 'won';
    } catch {
      // Created by someone else first (or just now): maybe by a holder that is gone.
      if (await this.takeOverIfGone(callId)) return 'won';
      this.watched.add(callId);
      return 'held_elsewhere';
    }
  }

  /** The call ended (or this worker stops): free it, so nobody works or watches it any more. */
  async release(callId: string): Promise<void> {
    this.watched.delete(callId);
    if (!this.held.delete(callId)) return;
    await this.kv.delete(callId).catch(() => undefined);
  }

  private value(): string {
    const value: ClaimValue = { worker: this.workerId, renewedAt: Date.now() };
    return JSON.stringify(value);
  }

  private async takeOverIfGone(callId: string): Promise<boolean> {
    const entry = await this.kv.get(callId);
    const holder = entry?.operation === 'PUT' ? parseClaim(entry.string()) : undefined;
    const gone =
      !entry ||
      entry.operation !== 'PUT' ||
      !holder ||
      holder.worker === this.workerId ||
      Date.now() - holder.renewedAt > this.leaseMs;
    if (!gone) return false;
    try {
      const revision = entry
        ? await this.kv.update(callId, this.value(), entry.revision)
        : await this.kv.create(callId, this.value());
      this.held.set(callId, revision);
      this.watched.delete(callId);
      return true;
    } catch {
      return false; // Another worker took it over first.
    }
  }

  private async tick(): Promise<void> {
    for (const [callId, revision] of [...this.held]) {
      try {
        this.held.set(callId, await this.kv.update(callId, this.value(), revision));
      } catch {
        if (!this.held.has(callId)) continue; // Released meanwhile.
        // A failed write is only a loss when the claim names another worker now; NATS being
        // away a moment is not (the next tick renews, unless the lease lapsed meanwhile).
        const holder = await this.kv.get(callId).catch(() => undefined);
        const current = holder?.operation === 'PUT' ? parseClaim(holder.string()) : undefined;
        if (holder === undefined || current?.worker === this.workerId) continue;
        this.held.delete(callId);
        this.events.lost(callId);
      }
    }
    for (const callId of [...this.watched]) {
      if (await this.takeOverIfGone(callId).catch(() => false)) this.events.tookOver(callId);
    }
  }
}

function parseClaim(text: string): ClaimValue | undefined {
  try {
    const value = JSON.parse(text) as Partial<ClaimValue>;
    return typeof value.worker === 'string' && typeof value.renewedAt === 'number'
      ? (value as ClaimValue)
      : undefined;
  } catch {
    return undefined;
  }
}
