import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { Subscription } from 'nats';
import {
  gatewayHeartbeatSchema,
  gatewayProbeSubject,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_HEARTBEAT_SUBJECT,
} from '@asb/contracts';
import { NatsClient, publishJson } from '@asb/nats';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { GatewayIdentity } from '../identity/gateway-identity';
import { AllocationService } from '../ports/allocation.service';
import { PortPool } from '../ports/port-pool';

const FAILURE_LOG_INTERVAL_MS = 10_000;

/**
 * Announces this gateway on media.v1.heartbeat every GATEWAY_HEARTBEAT_INTERVAL_MS: who it is
 * (id and boot id), where it receives RTP and how loaded it is. ari-ingest takes a gateway whose
 * beats stop, or come back under a new boot id, as lost together with its allocations.
 *
 * The beat runs on its own timer and publishes directly on the connection, so nothing on the
 * audio path (batching, the lag guard) can hold it back. It keeps to a fixed grid rather than
 * to setInterval, which restarts its period from each late callback: on a busy event loop every
 * beat would be a little late and the lateness would add up into gaps a listener may take for
 * silence. Beats due while the loop was blocked are skipped, not sent in a burst.
 *
 * Beats are not sent while NATS is away: nats.js would queue them and deliver stale ones on
 * reconnect, when a listener should see the gap.
 *
 * It also answers on the process's probe subject: a listener that misses beats asks there, and
 * NATS's "no responders" then tells a dead gateway from one that is only busy.
 */
/**
 * The next beat's slot on the grid `dueAt + k * intervalMs` after `now`: a late beat does not
 * move the grid, and the slots missed while the loop was held are skipped.
 */
export function nextBeatAt(dueAt: number, now: number, intervalMs: number): number {
  if (dueAt > now) return dueAt;
  return dueAt + (Math.floor((now - dueAt) / intervalMs) + 1) * intervalMs;
}

@Injectable()
export class HeartbeatPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HeartbeatPublisher.name);
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  /** performance.now() at which the next beat is due. */
  private dueAt = 0;
  private stopped = false;
  private lastFailureLogAt = -Infinity;
  private probe?: Subscription;

  constructor(
    @Inject(APP_CONFIG) config: Pick<MediaGatewayConfig, 'GATEWAY_HEARTBEAT_INTERVAL_MS'>,
    private readonly identity: GatewayIdentity,
    private readonly nats: NatsClient,
    private readonly allocations: AllocationService,
    private readonly pool: PortPool,
  ) {
    this.intervalMs = config.GATEWAY_HEARTBEAT_INTERVAL_MS;
  }

  onApplicationBootstrap(): void {
    this.dueAt = performance.now();
    this.schedule();
    void this.nats.connected.then((nc) => {
      if (this.stopped) return;
      this.probe = nc.subscribe(gatewayProbeSubject(this.identity.bootId), {
        callback: (_error, message) => message.respond(),
      });
      // The first beat at once: a restarted gateway is taking allocations already, and taps
      // waiting for a gateway go when they hear it.
      this.beat(false);
    });
  }

  /**
   * Says once that this gateway is going away, while it still holds its allocations: Nest runs
   * this before the allocation service releases them, since this module imports that one and
   * termination hooks run importers first. NATS is drained after every module is destroyed, so
   * the beat is delivered.
   */
  onModuleDestroy(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.probe?.unsubscribe();
    this.beat(true);
  }

  private schedule(): void {
    const now = performance.now();
    this.dueAt = nextBeatAt(this.dueAt, now, this.intervalMs);
    this.timer = setTimeout(this.tick, this.dueAt - now);
  }

  private readonly tick = (): void => {
    if (this.stopped) return;
    this.beat(false);
    this.schedule();
  };

  private beat(draining: boolean): void {
    if (!this.nats.isConnected) return;
    try {
      publishJson(
        this.nats.connection,
        MEDIA_HEARTBEAT_SUBJECT,
        gatewayHeartbeatSchema,
        {
          gatewayId: this.identity.gatewayId,
          bootId: this.identity.bootId,
          host: this.identity.host,
          sentAt: new Date().toISOString(),
          intervalMs: this.intervalMs,
          allocations: this.allocations.held,
          capacity: this.pool.size,
          draining,
        },
        MEDIA_CONTROL_MAX_BYTES,
      );
    } catch (error) {
      const now = performance.now();
      if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
      this.lastFailureLogAt = now;
      this.logger.warn(`publishing the heartbeat failed: ${(error as Error).message}`);
    }
  }
}
