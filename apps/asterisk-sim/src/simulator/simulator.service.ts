import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import { MetricsRegistry } from '@asb/observability';
import { AriServer } from '../ari/ari-server';
import type { AsteriskSimConfig } from '../config/asterisk-sim.config';
import { FixtureLibrary } from '../media/fixture-library';
import type { RtpPlane } from '../media/rtp-plane';
import { RtpSender } from '../media/rtp-sender';
import { ShardedRtpSender } from '../media/sharded-rtp-sender';
import { AudioSocketSender } from '../media/audiosocket-sender';
import { AsteriskInstance } from '../pbx/asterisk-instance';
import { VicidialDatabaseLedger } from '../vicidial/vicidial-database-ledger';
import { NO_LEDGER, VicidialLedger } from '../vicidial/vicidial-ledger';

/** The simulated Asterisk servers of one process, their ARI servers and the shared RTP sender. */
@Injectable()
export class SimulatorService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SimulatorService.name);
  readonly fixtures: FixtureLibrary;
  readonly rtp: RtpPlane;
  readonly audioSockets: AudioSocketSender;
  readonly servers = new Map<string, AriServer>();
  /** VICIdial's tables, written as VICIdial would (SIM_VICIDIAL_DB_URL), or nowhere. */
  readonly ledger: VicidialLedger;
  private readonly database?: VicidialDatabaseLedger;

  constructor(@Inject(APP_CONFIG) config: AsteriskSimConfig, metrics: MetricsRegistry) {
    if (config.SIM_RTP_PORT_MIN > config.SIM_RTP_PORT_MAX) {
      throw new Error('SIM_RTP_PORT_MIN must not exceed SIM_RTP_PORT_MAX');
    }
    this.fixtures = new FixtureLibrary(config.SIM_FIXTURES_DIR);
    const ports = {
      bindAddress: config.SIM_BIND_HOST,
      portMin: config.SIM_RTP_PORT_MIN,
      portMax: config.SIM_RTP_PORT_MAX,
    };
    this.rtp =
      config.SIM_RTP_THREADS > 1
        ? new ShardedRtpSender(this.fixtures.dir, { ...ports, threads: config.SIM_RTP_THREADS })
        : new RtpSender(this.fixtures, ports);
    this.audioSockets = new AudioSocketSender(this.fixtures);
    for (const { name, port } of config.SIM_SERVERS) {
      const pbx = new AsteriskInstance(name, this.rtp, config.SIM_SYSTEM_NAME, this.audioSockets);
      this.servers.set(
        name,
        new AriServer(pbx, {
          host: config.SIM_BIND_HOST,
          port,
          credentials: { user: config.SIM_ARI_USER, password: config.SIM_ARI_PASSWORD },
          wsWriteTimeoutMs: config.SIM_WS_WRITE_TIMEOUT_MS,
          sessionLimit: config.SIM_HTTP_SESSION_LIMIT,
          keepAliveMs: config.SIM_HTTP_KEEP_ALIVE_MS,
          identity: {
            version: config.SIM_ASTERISK_VERSION,
            missingModules: config.SIM_ASTERISK_MODULES_MISSING ?? [],
          },
        }),
      );
    }
    if (config.SIM_VICIDIAL_DB_URL) {
      this.database = new VicidialDatabaseLedger(config.SIM_VICIDIAL_DB_URL);
    }
    this.ledger = this.database ?? NO_LEDGER;
    const rtp = this.rtp;
    const servers = this.servers;
    metrics.gauge({
      name: 'sim_rtp_streams',
      help: 'RTP streams being sent',
      collect() {
        this.set(rtp.activeStreams);
      },
    });
    const audioSockets = this.audioSockets;
    metrics.gauge({
      name: 'sim_audiosocket_streams',
      help: 'AudioSocket connections sending audio',
      collect() {
        this.set(audioSockets.activeStreams);
      },
    });
    metrics.counter({
      name: 'sim_audiosocket_messages_sent_total',
      help: 'AudioSocket audio messages written, on every connection',
      collect() {
        this.reset();
        this.inc(audioSockets.messagesSent);
      },
    });
    metrics.gauge({
      name: 'sim_channels',
      help: 'Channels on each simulated Asterisk',
      labelNames: ['server'],
      collect() {
        for (const [name, server] of servers) this.set({ server: name }, server.pbx.channels.size);
      },
    });
    metrics.gauge({
      name: 'sim_http_sessions',
      help: 'Open ARI HTTP sessions (keep-alive and WebSocket connections included) per server',
      labelNames: ['server'],
      collect() {
        for (const [name, server] of servers) this.set({ server: name }, server.httpSessions);
      },
    });
    metrics.gauge({
      name: 'sim_http_sessions_refused',
      help: 'ARI connections closed unanswered over the session limit since start, per server',
      labelNames: ['server'],
      collect() {
        for (const [name, server] of servers)
          this.set({ server: name }, server.httpSessionsRefused);
      },
    });
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([...this.servers.values()].map((server) => server.start()));
    this.logger.log(
      `simulating ${this.servers.size} Asterisk server(s) with fixtures from ${this.fixtures.dir}`,
    );
  }

  instance(name: string): AsteriskInstance | undefined {
    return this.servers.get(name)?.pbx;
  }

  async onApplicationShutdown(): Promise<void> {
    this.audioSockets.closeAll();
    await this.rtp.close();
    await Promise.all([...this.servers.values()].map((server) => server.stop()));
    await this.database?.close();
  }
}
