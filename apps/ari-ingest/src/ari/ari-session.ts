import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import type { TapTransport } from '@asb/contracts';
import type { AriServerConfig } from '../config/ari-ingest.config';
import { StasisArrivals } from '../tap/stasis-arrivals';
import { AriEventStream } from './ari-event-stream';
import type { AriEvent } from './ari-model';
import { AriRequestFailed } from './ari-request-failed.error';
import { AriHttpOptions, AriRestClient } from './ari-rest.client';
import { AsteriskSupport, judgeAsteriskSupport } from './asterisk-support.util';

/** How long a stop waits for Asterisk to drop the app's subscriptions. */
const STOP_UNSUBSCRIBE_TIMEOUT_MS = 2000;
/** A server that cannot be tapped is looked at again this often (a module may be loaded). */
const UNSUPPORTED_RECHECK_MS = 60_000;

export interface AriSessionOptions {
  server: AriServerConfig;
  app: string;
  user: string;
  password: string;
  reconnectMaxMs: number;
  /** The REST client's pool, timeout, retries and metrics. */
  http: AriHttpOptions;
  /** The event types to ask Asterisk for (the app's eventFilter). */
  eventTypes: readonly string[];
  /** How this server's taps reach the gateways: what the server must support. */
  transport: TapTransport;
}

export interface AriSessionListener {
  /** The app is (again) subscribed to every channel: resynchronise from GET /channels. */
  onSynchronise(session: AriSession): Promise<void>;
  onEvent(session: AriSession, event: AriEvent): void;
  onDisconnected(session: AriSession, reason: string): void;
  onConnectFailed(session: AriSession): void;
  onInvalidEvent(session: AriSession, reason: string): void;
  /** The server's version and modules were checked, at each (re)connect. */
  onSupportChecked(session: AriSession, support: AsteriskSupport): void;
}

/**
 * The bridge's link to one Asterisk server: the events WebSocket of its Stasis app, reconnected
 * forever, and the REST client, loaded once the server answers. After every (re)connect it
 * subscribes the app to all channels and bridges and narrows the event types, since Asterisk
 * remembers neither across a dropped WebSocket.
 */
export class AriSession {
  readonly arrivals = new StasisArrivals();
  asteriskId?: string;
  /** What the last check of the server's version and modules found. */
  support?: AsteriskSupport;
  private restClient?: AriRestClient;
  private readonly logger: Logger;
  private readonly stream: AriEventStream;
  private synchronised = false;
  private stopping = false;
  private generation = 0;

  constructor(
    private readonly options: AriSessionOptions,
    private readonly listener: AriSessionListener,
  ) {
    this.logger = new Logger(`AriSession ${options.server.name}`);
    this.stream = new AriEventStream(
      {
        url: options.server.url,
        app: options.app,
        user: options.user,
        password: options.password,
        reconnectMaxMs: options.reconnectMaxMs,
      },
      {
        onOpen: () => void this.prepare(),
        onClose: (reason) => {
          this.synchronised = false;
          this.generation += 1;
          this.logger.warn(
            `lost the events WebSocket of ${options.server.url}: ${reason}; reconnecting`,
          );
          this.listener.onDisconnected(this, reason);
        },
        onEvent: (event) => {
          // Events still arriving while the app unsubscribes on a stop are no longer ours to act on.
          if (this.stopping) return;
          if (event.asterisk_id) this.asteriskId = event.asterisk_id;
          this.listener.onEvent(this, event);
        },
        onInvalid: (reason) => this.listener.onInvalidEvent(this, reason),
        onConnectFailed: (attempt, reason) => {
          this.listener.onConnectFailed(this);
          if (attempt === 1 || attempt % 10 === 0) {
            this.logger.warn(
              `cannot reach ARI at ${options.server.url} (attempt ${attempt}): ${reason}; retrying`,
            );
          }
        },
      },
    );
  }

  get server(): string {
    return this.options.server.name;
  }

  get app(): string {
    return this.options.app;
  }

  get connected(): boolean {
    return this.stream.connected && this.synchronised;
  }

  get rest(): AriRestClient {
    if (!this.restClient) throw new Error(`ARI of ${this.server} is not connected`);
    return this.restClient;
  }

  start(): void {
    this.stopping = false;
    this.logger.log(`connecting to ARI at ${this.options.server.url} as app ${this.options.app}`);
    this.stream.start();
  }

  /** Runs on every open of the events WebSocket; a newer open supersedes an unfinished one. */
  private async prepare(): Promise<void> {
    const generation = ++this.generation;
    try {
      if (!this.restClient) {
        const client = await AriRestClient.connect(
          this.options.server,
          this.options.user,
          this.options.password,
          this.options.http,
        );
        if (generation !== this.generation || this.restClient) {
          await client.close();
          return;
        }
        this.restClient = client;
      }
      if (!(await this.checkSupport(generation))) return;
      await this.rest.subscribeToAll(this.app);
      await this.rest.setEventFilter(this.app, this.options.eventTypes);
      if (generation !== this.generation) return;
      this.synchronised = true;
      this.logger.log(`subscribed to every channel of ${this.server}; reconciling`);
      await this.listener.onSynchronise(this);
    } catch (error) {
      if (generation !== this.generation) return;
      this.logger.error(
        `could not prepare the ARI session of ${this.server}: ${(error as Error).message}; retrying`,
      );
      setTimeout(() => {
        if (generation === this.generation && this.stream.connected) void this.prepare();
      }, 2000);
    }
  }

  /**
   * Reads the server's version and modules; a server that cannot be tapped is not subscribed to
   * (nothing of ours is created there) and is looked at again later.
   */
  private async checkSupport(generation: number): Promise<boolean> {
    const [version, modules] = await Promise.all([
      this.rest.asteriskVersion(),
      this.rest.listModules(),
    ]);
    const support = judgeAsteriskSupport(version, modules, this.options.transport);
    const changed = JSON.stringify(support) !== JSON.stringify(this.support);
    this.support = support;
    this.listener.onSupportChecked(this, support);
    if (support.supported) {
      if (changed) this.logger.log(`${this.server} runs Asterisk ${version}`);
      return true;
    }
    if (changed) {
      this.logger.error(
        `cannot tap calls on ${this.server}: ${support.problems.join('; ')}; not subscribing, checking again every ${UNSUPPORTED_RECHECK_MS / 1000} s`,
      );
    }
    setTimeout(() => {
      if (generation === this.generation && this.stream.connected) void this.prepare();
    }, UNSUPPORTED_RECHECK_MS).unref();
    return false;
  }

  /**
   * Closes the events WebSocket and the REST connections. With `unsubscribe` (the default) the
   * app first drops its channel and bridge subscriptions, bounded in time: Asterisk keeps them,
   * and queues their events for nobody, after the WebSocket goes. A standby must not: the app
   * name is shared with the instance that took over, whose subscriptions they are now.
   */
  async stop({ unsubscribe = true }: { unsubscribe?: boolean } = {}): Promise<void> {
    this.generation += 1;
    this.synchronised = false;
    this.stopping = true;
    const rest = this.restClient;
    this.restClient = undefined;
    if (rest && unsubscribe) {
      const unsubscribed = rest.unsubscribeFromAll(this.app).then(
        () => this.logger.log(`unsubscribed ${this.app} from every channel of ${this.server}`),
        (error: Error) => {
          if (error instanceof AriRequestFailed && (error.notFound || error.status === 422)) return;
          this.logger.warn(
            `could not unsubscribe ${this.app} from ${this.server}: ${error.message}; Asterisk keeps its subscriptions until it restarts`,
          );
        },
      );
      await Promise.race([
        unsubscribed,
        sleep(STOP_UNSUBSCRIBE_TIMEOUT_MS, undefined, { ref: false }),
      ]);
    }
    this.stream.stop();
    await rest?.close();
  }
}
