import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry, ReadinessRegistry } from '@asb/observability';
import { AriSession, AriSessionListener } from './ari-session';
import { CallTracker } from '../calls/call-tracker.service';
import {
  ARI_HTTP_DEFAULTS,
  AriIngestConfig,
  dtmfWanted,
  tapTransportOf,
} from '../config/ari-ingest.config';
import { DtmfPublisher } from '../dtmf/dtmf-publisher.service';
import { DTMF_EVENT_TYPE, HANDLED_EVENT_TYPES } from './ari-model';
import type { AriHttpOptions } from './ari-rest.client';
import { AriRestMetrics } from './ari-rest.metrics';
import { CallEventSink } from '../events/call-event-sink';
import { GatewayWatch } from '../gateways/gateway-watch.service';
import { LeaderLease } from '../leader/leader-lease.service';
import { Reconciler } from '../reconcile/reconciler.service';

const SHUTDOWN_TAP_TIMEOUT_MS = 4000;

/**
 * Watches every configured Asterisk server while this instance holds the lease: one ARI session
 * each, whose events feed the call tracker and whose (re)connects trigger reconciliation, plus a
 * periodic reconciliation that removes anything a lost reply or a crash left behind.
 */
@Injectable()
export class AsteriskWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AsteriskWatch.name);
  private readonly sessions: AriSession[] = [];
  private sweep?: NodeJS.Timeout;
  private readonly connectedGauge;
  private readonly connectionFailures;
  private readonly supportedGauge;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly tracker: CallTracker,
    private readonly dtmf: DtmfPublisher,
    private readonly reconciler: Reconciler,
    private readonly sink: CallEventSink,
    private readonly lease: LeaderLease,
    private readonly gateways: GatewayWatch,
    private readonly metrics: MetricsRegistry,
    readiness: ReadinessRegistry,
  ) {
    this.connectedGauge = metrics.gauge({
      name: 'ari_ingest_ari_connected',
      help: '1 while the events WebSocket of a server is up and subscribed',
      labelNames: ['server'],
    });
    this.connectionFailures = metrics.counter({
      name: 'ari_ingest_ari_connection_failures_total',
      help: 'Lost events WebSockets and failed attempts to (re)connect, by server',
      labelNames: ['server'],
    });
    this.supportedGauge = metrics.gauge({
      name: 'ari_ingest_asterisk_supported',
      help: "1 when a server's Asterisk version and modules allow tapping, 0 when not (labelled with the version)",
      labelNames: ['server', 'version'],
    });
    readiness.register('ari', () => {
      const servers = Object.fromEntries(
        this.sessions.map((s) => [
          s.server,
          s.support && !s.support.supported
            ? `unsupported: ${s.support.problems.join('; ')}`
            : s.connected
              ? 'up'
              : 'down',
        ]),
      );
      if (!this.lease.isLeader) return { up: true, detail: { role: 'standby' } };
      return { up: this.sessions.every((s) => s.connected), detail: { role: 'active', servers } };
    });
  }

  onApplicationBootstrap(): void {
    const listener: AriSessionListener = {
      onSynchronise: async (session) => {
        this.connectedGauge.set({ server: session.server }, 1);
        await this.reconciler
          .reconcile(session)
          .catch((error: Error) =>
            this.logger.error(`reconciling ${session.server} failed: ${error.message}`),
          );
      },
      onEvent: (session, event) => {
        this.tracker.handle(session, event);
        if (event.type === DTMF_EVENT_TYPE) this.dtmf.pressed(session, event);
      },
      onDisconnected: (session) => {
        this.connectedGauge.set({ server: session.server }, 0);
        this.connectionFailures.inc({ server: session.server });
      },
      onConnectFailed: (session) => this.connectionFailures.inc({ server: session.server }),
      onInvalidEvent: (session, reason) => this.tracker.invalid(session, reason),
      onSupportChecked: (session, support) => {
        this.supportedGauge.reset();
        for (const each of this.sessions) {
          if (!each.support) continue;
          this.supportedGauge.set(
            { server: each.server, version: each.support.version },
            each.support.supported ? 1 : 0,
          );
        }
        if (!support.supported) this.connectedGauge.set({ server: session.server }, 0);
      },
    };
    const http: AriHttpOptions = {
      connections: this.config.ARI_HTTP_CONNECTIONS,
      keepAliveMs: this.config.ARI_HTTP_KEEP_ALIVE_MS,
      requestTimeoutMs: this.config.ARI_REQUEST_TIMEOUT_MS,
      retries: ARI_HTTP_DEFAULTS.retries,
      metrics: new AriRestMetrics(this.metrics),
    };
    // Key presses are asked of Asterisk only where some call's may become events.
    const eventTypes = dtmfWanted(this.config)
      ? [...HANDLED_EVENT_TYPES, DTMF_EVENT_TYPE]
      : HANDLED_EVENT_TYPES;
    for (const server of this.config.ARI_SERVERS) {
      const { password } = server;
      this.sessions.push(
        new AriSession(
          {
            server,
            app: this.config.ARI_APP,
            user: server.user ?? this.config.ARI_USER,
            password,
            reconnectMaxMs: this.config.ARI_RECONNECT_MAX_MS,
            http,
            eventTypes,
            transport: tapTransportOf(this.config, server.name),
          },
          listener,
        ),
      );
      this.connectedGauge.set({ server: server.name }, 0);
    }
    this.gateways.onLost((gatewayId, bootId) => {
      if (!this.lease.isLeader) return;
      for (const session of this.sessions)
        this.tracker.retapLostGateway(session, gatewayId, bootId);
    });
    this.lease.start((leading) => (leading ? this.activate() : this.standBy()));
  }

  private activate(): void {
    for (const session of this.sessions) session.start();
    this.sweep = setInterval(() => {
      for (const session of this.sessions) {
        if (session.connected) void this.reconciler.reconcile(session).catch(() => undefined);
      }
    }, this.config.ARI_RECONCILE_INTERVAL_MS);
  }

  /** Lost the lease: another instance owns the calls now, so stop without touching them. */
  private standBy(): void {
    clearInterval(this.sweep);
    for (const session of this.sessions) {
      // No unsubscribe: the instance that took over shares the app and its subscriptions.
      void session.stop({ unsubscribe: false });
      this.tracker.forget(session.server);
      this.connectedGauge.set({ server: session.server }, 0);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.sweep);
    if (this.lease.isLeader) {
      const teardown = Promise.all(this.sessions.map((session) => this.tracker.stopAll(session)));
      const timeout = new Promise((resolve) =>
        setTimeout(resolve, SHUTDOWN_TAP_TIMEOUT_MS).unref(),
      );
      await Promise.race([teardown, timeout]);
      await Promise.race([
        this.sink.flush(),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
    }
    await Promise.all(this.sessions.map((session) => session.stop()));
    await this.lease.release();
  }
}
