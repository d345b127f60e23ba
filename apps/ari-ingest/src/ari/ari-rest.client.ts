import { Logger } from '@nestjs/common';
import type { AriServerConfig } from '../config/ari-ingest.config';
import type { AriBridge, AriChannel } from './ari-model';
import { AriRequestFailed } from './ari-request-failed.error';

// ari-client and its swagger-client ship no types.
const ariClient = require('ari-client') as {
  connect(url: string, user: string, password: string): Promise<AriClientApi>;
};
const swagger = require('swagger-client') as {
  authorizations: { add(name: string, auth: unknown): void };
  PasswordAuthorization: new (name: string, user: string, password: string) => unknown;
};

/*
 * swagger-client logs through an implicit global `log` (console.log underneath), e.g. a
 * deprecation notice at every connect to Asterisk's Swagger 1.1 docs, and keeps every line in
 * memory. Routed to our logger at debug level, it neither pollutes the JSON logs nor grows.
 */
const swaggerLogger = new Logger('swagger-client');
(globalThis as { log?: (...args: unknown[]) => void }).log = (...args) =>
  swaggerLogger.debug(args.map(String).join(' '));

type Operation = (params: Record<string, unknown>) => Promise<unknown>;

/** The operations of ari-client's API (built from Asterisk's api-docs) that the bridge calls. */
interface AriClientApi {
  channels: Record<'list' | 'get' | 'hangup' | 'snoopChannel' | 'externalMedia', Operation>;
  bridges: Record<'list' | 'create' | 'destroy' | 'addChannel', Operation>;
  applications: Record<'subscribe' | 'filter', Operation>;
}

export interface SnoopRequest {
  channelId: string;
  spy: 'in' | 'out' | 'both';
  app: string;
  snoopId: string;
  appArgs: string;
}

export interface ExternalMediaRequest {
  app: string;
  channelId: string;
  externalHost: string;
  format: string;
}

/**
 * ARI's REST side for one Asterisk server, through ari-client. ari-client keeps its basic-auth
 * credentials in swagger-client's process-wide registry, so with several servers every request
 * would carry the credentials of the server connected last; the credentials are therefore set
 * again, synchronously, right before each request is built.
 */
export class AriRestClient {
  private constructor(
    private readonly api: AriClientApi,
    private readonly user: string,
    private readonly password: string,
  ) {}

  /** Loads the server's api-docs; rejects when the server is unreachable or refuses us. */
  static async connect(
    server: AriServerConfig,
    user: string,
    password: string,
  ): Promise<AriRestClient> {
    try {
      const api = await ariClient.connect(server.url, user, password);
      return new AriRestClient(api, user, password);
    } catch (error) {
      throw AriRequestFailed.from('connect', error);
    }
  }

  private async call<T>(operation: string, run: () => Promise<unknown>): Promise<T> {
    swagger.authorizations.add(
      'basic-auth',
      new swagger.PasswordAuthorization('ari', this.user, this.password),
    );
    try {
      return (await run()) as T;
    } catch (error) {
      throw AriRequestFailed.from(operation, error);
    }
  }

  listChannels(): Promise<AriChannel[]> {
    return this.call('channels.list', () => this.api.channels.list({}));
  }

  listBridges(): Promise<AriBridge[]> {
    return this.call('bridges.list', () => this.api.bridges.list({}));
  }

  snoop(request: SnoopRequest): Promise<AriChannel> {
    return this.call('channels.snoopChannel', () => this.api.channels.snoopChannel({ ...request }));
  }

  externalMedia(request: ExternalMediaRequest): Promise<AriChannel> {
    return this.call('channels.externalMedia', () =>
      this.api.channels.externalMedia({
        app: request.app,
        channelId: request.channelId,
        external_host: request.externalHost,
        format: request.format,
        encapsulation: 'rtp',
        transport: 'udp',
        connection_type: 'client',
        direction: 'both',
      }),
    );
  }

  hangup(channelId: string): Promise<void> {
    return this.call('channels.hangup', () => this.api.channels.hangup({ channelId }));
  }

  createBridge(bridgeId: string, name: string): Promise<AriBridge> {
    return this.call('bridges.create', () =>
      this.api.bridges.create({ type: 'mixing', bridgeId, name }),
    );
  }

  addChannels(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.call('bridges.addChannel', () =>
      this.api.bridges.addChannel({ bridgeId, channel: channelIds }),
    );
  }

  destroyBridge(bridgeId: string): Promise<void> {
    return this.call('bridges.destroy', () => this.api.bridges.destroy({ bridgeId }));
  }

  /** Every channel and bridge event of the server, without subscribeAll (see ARI-NOTES). */
  subscribeToAll(app: string): Promise<void> {
    return this.call('applications.subscribe', () =>
      this.api.applications.subscribe({ applicationName: app, eventSource: 'channel:,bridge:' }),
    );
  }

  setEventFilter(app: string, types: readonly string[]): Promise<void> {
    return this.call('applications.filter', () =>
      this.api.applications.filter({
        applicationName: app,
        filter: { allowed: types.map((type) => ({ type })) },
      }),
    );
  }
}
