import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { Client, Dispatcher, Pool } from 'undici';
import type { AriServerConfig } from '../config/ari-ingest.config';
import type { AriBridge, AriChannel } from './ari-model';
import type { AsteriskModule } from './asterisk-support.util';
import { AriRequestFailed } from './ari-request-failed.error';
import type { AriRequestOutcome, AriRestMetrics } from './ari-rest.metrics';

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
  /** Absent: RTP over UDP. AudioSocket: over TCP, `uuid` the first thing Asterisk sends. */
  audioSocket?: { uuid: string };
}

export interface AriHttpOptions {
  /** Keep-alive connections to the server, which is also the most requests in flight. */
  connections: number;
  /** Idle time after which a connection is closed; under Asterisk's session_keep_alive. */
  keepAliveMs: number;
  /** Longest time a request may take, waiting for a connection and retries included. */
  requestTimeoutMs: number;
  /** Further attempts after a 5xx or a connection closed without an answer. */
  retries: number;
  metrics?: AriRestMetrics;
}

interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** On a connection of its own rather than queued behind the pool's backlog. */
  ownConnection?: boolean;
}

/** Undici's errors for a pool we closed ourselves: nothing to retry. */
const POOL_CLOSED = new Set(['UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);
const FIRST_BACKOFF_MS = 100;
/** The share of the pool that deletions (hangups, bridge teardowns) may hold at once. */
const TEARDOWN_SHARE = 2;

function outcomeOf(error: unknown): AriRequestOutcome {
  const status = error instanceof AriRequestFailed ? error.status : undefined;
  if (status === undefined) return 'no_answer';
  return status >= 500 ? 'server_error' : 'client_error';
}

/**
 * ARI's REST side for one Asterisk server. Every request settles (answer, error or timeout):
 * Asterisk closes connections beyond its HTTP session limit without answering, and ari-client's
 * swagger layer never settled those. The connections are a small keep-alive pool, so the bridge
 * holds a bounded share of the server's sessions however many requests a burst makes; requests
 * beyond it wait for a connection within their timeout.
 */
export class AriRestClient {
  private readonly pool: Pool;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly authorization: string;
  /**
   * Deletions wait their turn here before they enter the pool, half of its connections at a
   * time: the hundreds of hangups of a lost gateway's taps, or of a burst of ended calls, must
   * not queue the setups of the taps that replace them (the audio being lost meanwhile).
   */
  private readonly teardownTurn: pLimit.Limit;

  private constructor(
    private readonly server: AriServerConfig,
    user: string,
    password: string,
    private readonly options: AriHttpOptions,
  ) {
    const url = new URL(server.url);
    this.origin = url.origin;
    this.basePath = `${url.pathname.replace(/\/+$/, '')}/ari`;
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    this.teardownTurn = pLimit(Math.max(1, Math.floor(options.connections / TEARDOWN_SHARE)));
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveMs,
      // Caps what a server's Keep-Alive hint may ask for, so we close before Asterisk does.
      keepAliveMaxTimeout: options.keepAliveMs,
      connect: { timeout: options.requestTimeoutMs },
    });
  }

  /** Rejects when the server is unreachable or refuses our credentials. */
  static async connect(
    server: AriServerConfig,
    user: string,
    password: string,
    options: AriHttpOptions,
  ): Promise<AriRestClient> {
    const client = new AriRestClient(server, user, password, options);
    try {
      await client.request('asterisk.getInfo', { method: 'GET', path: '/asterisk/info' });
      return client;
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** Closes every connection at once; requests still open reject. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async request<T>(operation: string, spec: RequestSpec): Promise<T> {
    const { metrics, requestTimeoutMs, retries } = this.options;
    const labels = { server: this.server.name, operation };
    const deadline = AbortSignal.timeout(requestTimeoutMs);
    const dispatcher = spec.ownConnection
      ? new Client(this.origin, { pipelining: 1, connect: { timeout: requestTimeoutMs } })
      : this.pool;
    metrics?.inFlight.inc({ server: this.server.name });
    let outcome: AriRequestOutcome = 'ok';
    try {
      for (let attempt = 0; ; attempt += 1) {
        const reply = await this.attempt(operation, spec, dispatcher, deadline);
        if (!(reply instanceof AriRequestFailed)) return reply as T;
        if (attempt >= retries) throw reply;
        metrics?.retries.inc(labels);
        const backoff = FIRST_BACKOFF_MS * 2 ** attempt;
        await sleep(backoff / 2 + (Math.random() * backoff) / 2, undefined, { signal: deadline });
      }
    } catch (error) {
      if (deadline.aborted) {
        outcome = 'timeout';
        metrics?.timeouts.inc(labels);
        throw new AriRequestFailed(operation, undefined, `no answer within ${requestTimeoutMs} ms`);
      }
      outcome = outcomeOf(error);
      throw error;
    } finally {
      if (dispatcher !== this.pool) void dispatcher.destroy();
      metrics?.inFlight.dec({ server: this.server.name });
      metrics?.requests.inc({ ...labels, outcome });
    }
  }

  /**
   * One try: the parsed reply, or the failure when it may be worth another try (a 5xx or no
   * answer at all). Throws what retrying cannot mend.
   */
  private async attempt(
    operation: string,
    spec: RequestSpec,
    dispatcher: Dispatcher,
    signal: AbortSignal,
  ): Promise<unknown> {
    const query = spec.query ? `?${new URLSearchParams(spec.query).toString()}` : '';
    try {
      const reply = await dispatcher.request({
        method: spec.method,
        path: `${this.basePath}${spec.path}${query}`,
        headers: {
          authorization: this.authorization,
          ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal,
      });
      const text = await reply.body.text();
      if (reply.statusCode >= 200 && reply.statusCode < 300) {
        return text ? (JSON.parse(text) as unknown) : undefined;
      }
      const failure = AriRequestFailed.fromReply(operation, reply.statusCode, text);
      if (reply.statusCode >= 500) return failure;
      throw failure;
    } catch (error) {
      if (error instanceof AriRequestFailed || signal.aborted) throw error;
      const failure = new AriRequestFailed(operation, undefined, (error as Error).message);
      if (POOL_CLOSED.has((error as { code?: string }).code ?? '')) throw failure;
      return failure;
    }
  }

  /** The version the server states (`GET /asterisk/info`), e.g. `18.26.4-vici`. */
  async asteriskVersion(): Promise<string> {
    const info = await this.request<{ system?: { version?: string } }>('asterisk.getInfo', {
      method: 'GET',
      path: '/asterisk/info',
      query: { only: 'system' },
    });
    return info?.system?.version ?? 'unknown';
  }

  /** The server's modules, or undefined where it does not list them (404). */
  listModules(): Promise<AsteriskModule[] | undefined> {
    return this.requestUnlessAbsent('asterisk.listModules', {
      method: 'GET',
      path: '/asterisk/modules',
    });
  }

  /** The Stasis application as Asterisk knows it, or undefined when it was never registered. */
  getApplication(app: string): Promise<unknown> {
    return this.requestUnlessAbsent('applications.get', {
      method: 'GET',
      path: `/applications/${encodeURIComponent(app)}`,
    });
  }

  /** A request whose 404 means "there is none", not a failure. */
  private async requestUnlessAbsent<T>(
    operation: string,
    spec: RequestSpec,
  ): Promise<T | undefined> {
    try {
      return await this.request<T>(operation, spec);
    } catch (error) {
      if (error instanceof AriRequestFailed && error.notFound) return undefined;
      throw error;
    }
  }

  listChannels(): Promise<AriChannel[]> {
    return this.request('channels.list', { method: 'GET', path: '/channels' });
  }

  /** Rejects with a notFound AriRequestFailed when the channel is really gone. */
  getChannel(channelId: string): Promise<AriChannel> {
    return this.request('channels.get', {
      method: 'GET',
      path: `/channels/${encodeURIComponent(channelId)}`,
    });
  }

  listBridges(): Promise<AriBridge[]> {
    return this.request('bridges.list', { method: 'GET', path: '/bridges' });
  }

  snoop(request: SnoopRequest): Promise<AriChannel> {
    return this.request('channels.snoopChannel', {
      method: 'POST',
      path: `/channels/${encodeURIComponent(request.channelId)}/snoop`,
      query: {
        spy: request.spy,
        app: request.app,
        appArgs: request.appArgs,
        snoopId: request.snoopId,
      },
    });
  }

  externalMedia(request: ExternalMediaRequest): Promise<AriChannel> {
    return this.request('channels.externalMedia', {
      method: 'POST',
      path: '/channels/externalMedia',
      query: {
        app: request.app,
        channelId: request.channelId,
        external_host: request.externalHost,
        format: request.format,
        encapsulation: request.audioSocket ? 'audiosocket' : 'rtp',
        transport: request.audioSocket ? 'tcp' : 'udp',
        connection_type: 'client',
        direction: 'both',
        ...(request.audioSocket && { data: request.audioSocket.uuid }),
      },
    });
  }

  /** A deletion: it takes its turn among the others (its timeout runs from then on). */
  hangup(channelId: string): Promise<void> {
    return this.teardownTurn(() =>
      this.request<void>('channels.hangup', {
        method: 'DELETE',
        path: `/channels/${encodeURIComponent(channelId)}`,
      }),
    );
  }

  createBridge(bridgeId: string, name: string): Promise<AriBridge> {
    return this.request('bridges.create', {
      method: 'POST',
      path: '/bridges',
      query: { type: 'mixing', bridgeId, name },
    });
  }

  addChannels(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.request('bridges.addChannel', {
      method: 'POST',
      path: `/bridges/${encodeURIComponent(bridgeId)}/addChannel`,
      query: { channel: channelIds.join(',') },
    });
  }

  /** A deletion, as hangup. */
  destroyBridge(bridgeId: string): Promise<void> {
    return this.teardownTurn(() =>
      this.request<void>('bridges.destroy', {
        method: 'DELETE',
        path: `/bridges/${encodeURIComponent(bridgeId)}`,
      }),
    );
  }

  /** Every channel and bridge event of the server, without subscribeAll (see ARI-NOTES). */
  subscribeToAll(app: string): Promise<void> {
    return this.request('applications.subscribe', {
      method: 'POST',
      path: `/applications/${encodeURIComponent(app)}/subscription`,
      query: { eventSource: 'channel:,bridge:' },
    });
  }

  /**
   * Undoes subscribeToAll. Asterisk keeps an app's subscriptions (and queues their events for
   * nobody) after its WebSocket goes, until this or a restart. Sent on a connection of its own:
   * a stop during a burst must not wait behind hundreds of queued teardown requests.
   */
  unsubscribeFromAll(app: string): Promise<void> {
    return this.request('applications.unsubscribe', {
      method: 'DELETE',
      path: `/applications/${encodeURIComponent(app)}/subscription`,
      query: { eventSource: 'channel:,bridge:' },
      ownConnection: true,
    });
  }

  setEventFilter(app: string, types: readonly string[]): Promise<void> {
    return this.request('applications.filter', {
      method: 'PUT',
      path: `/applications/${encodeURIComponent(app)}/eventFilter`,
      body: { allowed: types.map((type) => ({ type })) },
    });
  }
}
