import { Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import {
  connect,
  ConnectionOptions,
  Events,
  JetStreamClient,
  JetStreamManager,
  NatsConnection,
} from 'nats';
import { MetricsRegistry, ReadinessRegistry } from '@asb/observability';
import { NatsUnavailableError } from './nats-unavailable.error';

const DRAIN_TIMEOUT_MS = 3000;

/**
 * The service's one NATS connection. Connecting starts at module init and never gives up; the
 * HTTP server comes up meanwhile and reports not-ready until NATS is reachable. On shutdown the
 * connection is drained, so messages in flight are delivered and acks are sent.
 */
@Injectable()
export class NatsClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NatsClient.name);
  private nc?: NatsConnection;
  private isUp = false;
  private resolveConnected!: (nc: NatsConnection) => void;
  private closing = false;

  /** Resolves once, when the first connection is made. */
  readonly connected: Promise<NatsConnection> = new Promise(
    (resolve) => (this.resolveConnected = resolve),
  );

  constructor(
    private readonly options: ConnectionOptions,
    @Optional() readiness?: ReadinessRegistry,
    @Optional() private readonly metrics?: MetricsRegistry,
  ) {
    readiness?.register('nats', () => ({
      up: this.isUp,
      detail: { server: this.nc?.getServer() ?? null },
    }));
  }

  onModuleInit(): void {
    void this.connectForever();
  }

  private async connectForever(): Promise<void> {
    const up = this.metrics?.gauge({
      name: 'nats_connected',
      help: '1 while the NATS connection is up',
    });
    const reconnects = this.metrics?.counter({
      name: 'nats_reconnects_total',
      help: 'NATS reconnections',
    });
    up?.set(0);
    this.logger.log(`connecting to NATS at ${String(this.options.servers)}`);
    const nc = await this.firstConnection();
    if (!nc) return;
    this.nc = nc;
    this.isUp = true;
    up?.set(1);
    this.logger.log(`connected to NATS at ${this.nc.getServer()}`);
    this.resolveConnected(this.nc);
    for await (const status of this.nc.status()) {
      if (status.type === Events.Disconnect) {
        this.isUp = false;
        up?.set(0);
        this.logger.warn(`NATS connection lost (${String(status.data)}), reconnecting`);
      } else if (status.type === Events.Reconnect) {
        this.isUp = true;
        up?.set(1);
        reconnects?.inc();
        this.logger.log(`NATS reconnected to ${String(status.data)}`);
      } else if (status.type === Events.Error) {
        this.logger.error(`NATS error: ${String(status.data)}`);
      }
    }
  }

  /**
   * nats.js can wait for a first server itself, but that wait cannot be cancelled, so a service
   * stopped before NATS ever came up would hang; this loop checks for shutdown between tries.
   */
  private async firstConnection(): Promise<NatsConnection | undefined> {
    const baseWait = this.options.reconnectTimeWait ?? 1000;
    for (let attempt = 1; !this.closing; attempt += 1) {
      try {
        const nc = await connect({ ...this.options, waitOnFirstConnect: false, timeout: 2000 });
        if (!this.closing) return nc;
        await nc.close();
        return undefined;
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0) {
          this.logger.warn(
            `NATS not reachable yet (attempt ${attempt}): ${(error as Error).message}; retrying`,
          );
        }
        const wait =
          Math.min(baseWait * 2 ** Math.min(attempt - 1, 5), 30_000) * (0.5 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
    return undefined;
  }

  get isConnected(): boolean {
    return this.isUp;
  }

  /** The live connection; throws while the first connect is still pending. */
  get connection(): NatsConnection {
    if (!this.nc || this.nc.isClosed()) throw new NatsUnavailableError('not connected yet');
    return this.nc;
  }

  jetstream(): JetStreamClient {
    return this.connection.jetstream();
  }

  jetstreamManager(): Promise<JetStreamManager> {
    return this.connection.jetstreamManager();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const nc = this.nc;
    if (!nc || nc.isClosed()) return;
    this.isUp = false;
    const timeout = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), DRAIN_TIMEOUT_MS).unref(),
    );
    const result = await Promise.race([nc.drain().then(() => 'drained' as const), timeout]).catch(
      () => 'failed' as const,
    );
    if (result !== 'drained') {
      this.logger.warn(`NATS drain ${result}, closing`);
      await nc.close().catch(() => undefined);
    }
  }
}
