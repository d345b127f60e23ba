import { setTimeout as sleep } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { Subscription } from 'nats';
import { APP_CONFIG } from '@asb/config';
import {
  GatewayHeartbeat,
  gatewayHeartbeatSchema,
  gatewayProbeSubject,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_HEARTBEAT_SUBJECT,
} from '@asb/contracts';
import { NatsClient, subscribeJson } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { AriIngestConfig } from '../config/ari-ingest.config';

export type GatewayLossReason = 'restarted' | 'gone' | 'silent' | 'draining';

/** A gateway process is gone, and with it every allocation it held. */
export type GatewayLossListener = (
  gatewayId: string,
  bootId: string,
  reason: GatewayLossReason,
) => void;

interface GatewayState {
  bootId: string;
  /** performance.now() of its latest beat (or probe answer). */
  heardAt: number;
  /** Its beat: two missed beats and it is probed. */
  intervalMs: number;
  lost: boolean;
}

const CHECK_INTERVAL_MS = 100;
/** A gateway is probed after two missed beats, but never sooner than this. */
const MIN_PROBE_AFTER_MS = 300;
/** nats.js's code for a request that no subscription could receive. */
const NO_RESPONDERS = '503';
/** A lost gateway is forgotten after this long (pods come and go under new names). */
const FORGET_AFTER_MS = 10 * 60_000;

/**
 * Listens to the media-gateways' heartbeats and tells when a gateway process is gone: a new
 * bootId under the same gatewayId (it restarted: its allocations died with the old process), a
 * beat that says it is draining (stopping), or two missed beats and then a probe that NATS
 * answers with "no responders" (the process is gone). A gateway that is only busy answers the
 * probe; one that answers nothing is believed gone after GATEWAY_LOST_AFTER_MS, and only while
 * NATS itself answers us: a frozen NATS server silences every gateway at once, and re-tapping
 * then would cost audio for nothing. After such a stall, and after our own event loop was held
 * up, gateways get a grace period to be heard again.
 */
@Injectable()
export class GatewayWatch implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GatewayWatch.name);
  private readonly gateways = new Map<string, GatewayState>();
  private readonly listeners = new Set<GatewayLossListener>();
  private readonly joinListeners = new Set<() => void>();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;
  private lastCheckAt = performance.now();
  private graceUntil = 0;
  /** Boot ids of gateway processes found gone, with performance.now() of when. */
  private readonly lostBoots = new Map<string, number>();
  /** Gateways being probed now. */
  private readonly probing = new Set<string>();
  private readonly lostCounter;
  private readonly invalid;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly nats: NatsClient,
    metrics: MetricsRegistry,
  ) {
    this.lostCounter = metrics.counter({
      name: 'ari_ingest_gateways_lost_total',
      help: 'Media-gateway processes found gone (restarted or silent), whose tracks were tapped again',
      labelNames: ['reason'],
    });
    this.invalid = metrics.counter({
      name: 'ari_ingest_gateway_heartbeats_invalid_total',
      help: 'Heartbeats that broke the contract and were dropped',
    });
    const live = () => this.live().length;
    metrics.gauge({
      name: 'ari_ingest_gateways_live',
      help: 'Media-gateway processes heard from and not found gone',
      collect() {
        this.set(live());
      },
    });
  }

  /** The gateway processes heard from and not found gone. */
  live(): Array<{ gatewayId: string; bootId: string }> {
    return [...this.gateways]
      .filter(([, state]) => !state.lost)
      .map(([gatewayId, state]) => ({ gatewayId, bootId: state.bootId }));
  }

  onLost(listener: GatewayLossListener): void {
    this.listeners.add(listener);
  }

  /** Hears every gateway process that starts beating: a new one, or one back under a new boot. */
  onJoined(listener: () => void): void {
    this.joinListeners.add(listener);
  }

  /**
   * Whether the gateway process of an allocation is known to be gone. A boot id not heard of yet
   * is not: a restarted gateway answers allocations before its first beat reaches us.
   */
  isLost(bootId: string): boolean {
    return this.lostBoots.has(bootId);
  }

  onApplicationBootstrap(): void {
    void this.nats.connected.then((nc) => {
      this.subscription = subscribeJson(nc, {
        subject: MEDIA_HEARTBEAT_SUBJECT,
        schema: gatewayHeartbeatSchema,
        maxBytes: MEDIA_CONTROL_MAX_BYTES,
        handle: (beat) => this.heard(beat),
        onInvalid: (_message, violation) => {
          this.invalid.inc();
          this.logger.warn(`dropped an invalid heartbeat: ${violation.message}`);
        },
      });
    });
    this.timer = setInterval(() => this.check(), CHECK_INTERVAL_MS);
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }

  heard(beat: GatewayHeartbeat): void {
    const now = performance.now();
    const known = this.gateways.get(beat.gatewayId);
    if (known && known.bootId !== beat.bootId && !known.lost) {
      this.declareLost(beat.gatewayId, known.bootId, 'restarted');
    }
    const joined = known?.bootId !== beat.bootId && !beat.draining;
    const wasLost = known?.bootId === beat.bootId && known.lost;
    // A gateway found silent that beats again was only slow; one that is stopping stays lost.
    this.gateways.set(beat.gatewayId, {
      bootId: beat.bootId,
      heardAt: now,
      intervalMs: beat.intervalMs,
      lost: beat.draining,
    });
    if (beat.draining && !wasLost) this.declareLost(beat.gatewayId, beat.bootId, 'draining');
    if (!beat.draining) this.lostBoots.delete(beat.bootId);
    if (!beat.draining && wasLost) {
      this.logger.log(`gateway ${beat.gatewayId} (${beat.bootId}) is heard again`);
    }
    if (joined || (!beat.draining && wasLost))
      for (const listener of this.joinListeners) listener();
  }

  private check(): void {
    const now = performance.now();
    // Held up ourselves: the beats may be sitting unread in our socket.
    if (now - this.lastCheckAt > CHECK_INTERVAL_MS * 5) {
      this.graceUntil = now + this.config.GATEWAY_LOST_AFTER_MS;
    }
    this.lastCheckAt = now;
    for (const [id, state] of this.gateways) {
      if (state.lost && now - state.heardAt > FORGET_AFTER_MS) this.gateways.delete(id);
    }
    for (const [bootId, lostAt] of this.lostBoots) {
      if (now - lostAt > FORGET_AFTER_MS) this.lostBoots.delete(bootId);
    }
    if (now < this.graceUntil) return;
    for (const [id, state] of this.gateways) {
      const probeAfter = Math.max(2 * state.intervalMs, MIN_PROBE_AFTER_MS);
      if (state.lost || this.probing.has(id) || now - state.heardAt < probeAfter) continue;
      void this.probe(id, state);
    }
  }

  /**
   * Asks a gateway that missed beats whether it is there. "No responders" comes at once when the
   * process is gone (its subscription went with its connection); an answer means it is only
   * busy; no answer at all is believed after GATEWAY_LOST_AFTER_MS of silence, if NATS itself
   * answers us.
   */
  private async probe(gatewayId: string, state: GatewayState): Promise<void> {
    this.probing.add(gatewayId);
    const lostAfter = this.config.GATEWAY_LOST_AFTER_MS;
    try {
      await this.nats.connection.request(gatewayProbeSubject(state.bootId), undefined, {
        timeout: lostAfter,
      });
      if (this.gateways.get(gatewayId) === state) state.heardAt = performance.now();
    } catch (error) {
      if (this.gateways.get(gatewayId) !== state || state.lost) return;
      if ((error as { code?: string }).code === NO_RESPONDERS) {
        return this.declareLost(gatewayId, state.bootId, 'gone');
      }
      if (!(await this.natsAnswers(lostAfter))) {
        this.graceUntil = performance.now() + lostAfter;
        return;
      }
      const now = performance.now();
      if (now >= this.graceUntil && now - state.heardAt > lostAfter && !state.lost) {
        this.declareLost(gatewayId, state.bootId, 'silent');
      }
    } finally {
      this.probing.delete(gatewayId);
    }
  }

  private async natsAnswers(timeoutMs: number): Promise<boolean> {
    if (!this.nats.isConnected) return false;
    const timeout = new AbortController();
    try {
      return await Promise.race([
        this.nats.connection.rtt().then(() => true),
        sleep(timeoutMs, false, { signal: timeout.signal }),
      ]);
    } catch {
      return false;
    } finally {
      timeout.abort();
    }
  }

  private declareLost(gatewayId: string, bootId: string, reason: GatewayLossReason): void {
    const state = this.gateways.get(gatewayId);
    if (state && state.bootId === bootId) state.lost = true;
    this.lostBoots.set(bootId, performance.now());
    this.lostCounter.inc({ reason });
    this.logger.warn(
      `media-gateway ${gatewayId} (boot ${bootId}) is gone (${reason}), and its allocations with it`,
    );
    for (const listener of this.listeners) listener(gatewayId, bootId, reason);
  }
}
