import type { IncomingMessage, Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import WebSocket, { WebSocketServer } from 'ws';
import { APP_CONFIG } from '@asb/config';
import type { CallChange, CallsListener, LiveCall } from '../calls/live-call';
import { LiveCallsRegistry } from '../calls/live-calls.registry';
import { ClaimStore } from '../claims/claim-store';
import type { StreamEgressConfig } from '../config/stream-egress.config';
import { createFormat, requestHasAudio } from '../formats/create-format.util';
import type { EgressFormat } from '../formats/egress-format';
import { JAMBONZ_SUBPROTOCOL } from '../formats/egress-format-names';
import { EgressMetrics, InboundRejectReason } from '../metrics/egress-metrics';
import { BACKEND_MAX_PAYLOAD_BYTES } from '../outbound/backend-connection';
import { takesCallKind } from '../routing/match-route.util';
import { CLOSE_GRACE_MS } from '../routing/outbound-router.service';
import type { EgressStream } from '../streams/egress-stream';
import { EgressStreamFactory } from '../streams/egress-stream.factory';
import { inboundStreamId } from '../streams/stream-ids.util';
import { SocketBatcher } from '../streams/socket-batcher';
import { ClientTokens, InboundClientScope, inScope } from './client-tokens';
import { InboundConnection } from './inbound-connection';
import { INBOUND_PATH, parseStreamRequest, StreamRequest } from './stream-request';

interface InboundClient {
  scope: InboundClientScope;
  request: StreamRequest;
  connection: InboundConnection;
  format: EgressFormat;
  streamId: string;
  stream?: EgressStream;
  gone: boolean;
}

/** Answers an upgrade request with an HTTP error instead of a WebSocket. */
function refuse(socket: Duplex, status: number, message: string, headers = ''): void {
  const body = `${message}\n`;
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${headers}\r\n${body}`,
  );
}

/**
 * Inbound streams: AI clients connect to `/v1/streams` with `Authorization: Bearer <token>` and
 * ask for one call (`call=<callId>`: any number of clients may listen to it) or for the next call
 * (`call=next`): each call goes to exactly one next-call client across all replicas, by a
 * create-if-absent claim `next.<callId>` in NATS KV. A next-call client is handed the oldest live
 * tapped call nobody had, or waits (pinged) for one. When the call ends the stream stops and the
 * connection closes; the client connects again for another call.
 */
@Injectable()
export class InboundStreamsGateway implements CallsListener, OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(InboundStreamsGateway.name);
  private readonly tokens: ClientTokens;
  private readonly wss: WebSocketServer;
  private readonly clients = new Set<InboundClient>();
  private readonly byCall = new Map<string, Set<InboundClient>>();
  private readonly waiting: InboundClient[] = [];
  /** Calls this replica tried to hand out (won or lost): never offered twice. */
  private readonly handedOut = new Set<string>();
  private dispatching = false;
  private dispatchAgain = false;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: StreamEgressConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: LiveCallsRegistry,
    private readonly claims: ClaimStore,
    private readonly factory: EgressStreamFactory,
    private readonly metrics: EgressMetrics,
    private readonly batcher: SocketBatcher,
  ) {
    this.tokens = new ClientTokens(config.EGRESS_INBOUND_TOKENS ?? []);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: BACKEND_MAX_PAYLOAD_BYTES,
      handleProtocols: (protocols) =>
        protocols.has(JAMBONZ_SUBPROTOCOL) ? JAMBONZ_SUBPROTOCOL : false,
    });
  }

  onModuleInit(): void {
    this.registry.listen(this);
  }

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    server?.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.upgrade(request, socket, head),
    );
  }

  get connectedClients(): number {
    return this.clients.size;
  }

  private reject(socket: Duplex, reason: InboundRejectReason, status: number, message: string) {
    this.metrics.inboundRejected.inc({ reason });
    refuse(socket, status, message, status === 401 ? 'WWW-Authenticate: Bearer\r\n' : '');
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== INBOUND_PATH) {
      return this.reject(socket, 'not_found', 404, `no WebSocket endpoint at ${url.pathname}`);
    }
    if (!this.tokens.enabled) {
      return this.reject(socket, 'disabled', 404, 'inbound streams are not enabled here');
    }
    const auth = this.tokens.authenticate(request.headers.authorization);
    if (!auth.ok) {
      return this.reject(
        socket,
        auth.reason,
        401,
        auth.reason === 'missing_token' ? 'a bearer token is required' : 'invalid token',
      );
    }
    if (this.stopping) {
      return this.reject(socket, 'shutting_down', 503, 'this replica is stopping; retry');
    }
    if (this.clients.size >= this.config.EGRESS_INBOUND_MAX_CLIENTS) {
      return this.reject(socket, 'too_many_clients', 503, 'no room for another client; retry');
    }
    const offered = new Set(
      (request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((protocol) => protocol.trim())
        .filter(Boolean),
    );
    const parsed = parseStreamRequest(url.searchParams, offered);
    if (!parsed.ok) return this.reject(socket, 'bad_request', 400, parsed.error);
    const wanted = parsed.request;
    if (wanted.call !== 'next') {
      const call = this.registry.get(wanted.call);
      if (!call) return this.reject(socket, 'unknown_call', 404, `no live call ${wanted.call}`);
      if (!inScope(auth, call.vicidial?.campaign)) {
        return this.reject(
          socket,
          'forbidden',
          403,
          `call ${wanted.call} is not in your campaigns`,
        );
      }
    }
    const scope: InboundClientScope = { clientId: auth.clientId, campaigns: auth.campaigns };
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, socket, scope, wanted));
  }

  private accept(
    ws: WebSocket,
    socket: Duplex,
    scope: InboundClientScope,
    request: StreamRequest,
  ): void {
    const streamId = inboundStreamId();
    // With recent audio the stream's timeline starts that far back, so the recent frames have
    // their own times on it (from 0) and every track lines up by capture time, as live.
    const format = createFormat(
      request,
      streamId,
      this.config.EGRESS_TWILIO_ACCOUNT_SID,
      performance.now() - (request.recentSeconds ?? 0) * 1000,
    );
    const client: InboundClient = {
      scope,
      request,
      format,
      streamId,
      gone: false,
      connection: undefined as unknown as InboundConnection,
    };
    client.connection = new InboundConnection(ws, socket, this.batcher, () => this.gone(client));
    this.clients.add(client);
    this.logger.log(`client ${scope.clientId} connected for call ${request.call} (${format.name})`);
    if (request.call !== 'next') {
      const call = this.registry.get(request.call);
      if (!call || call.ended) {
        ws.close(1000, 'call ended');
        return;
      }
      this.startStream(client, call, false);
      return;
    }
    for (const message of format.greeting()) client.connection.send(message);
    this.waiting.push(client);
    void this.dispatch();
  }

  private startStream(client: InboundClient, call: LiveCall, greeted: boolean): void {
    const stream = this.factory.create(
      {
        streamId: client.streamId,
        direction: 'inbound',
        target: client.scope.clientId,
        format: client.format,
      },
      call,
      () => undefined,
      client.request.recentSeconds,
    );
    stream.bind(client.connection);
    client.connection.listen(stream);
    client.stream = stream;
    let ofCall = this.byCall.get(call.callId);
    if (!ofCall) {
      ofCall = new Set();
      this.byCall.set(call.callId, ofCall);
    }
    ofCall.add(client);
    // The client takes audio to flow from the start message on: send it once the call's audio
    // subscription is on the server. A client gone meanwhile has stopped the stream.
    void this.factory.audioLive(call.callId).then(() => stream.opened(greeted));
  }

  private gone(client: InboundClient): void {
    client.gone = true;
    this.clients.delete(client);
    const index = this.waiting.indexOf(client);
    if (index >= 0) this.waiting.splice(index, 1);
    if (client.stream) this.byCall.get(client.stream.callId)?.delete(client);
  }

  resync(): void {
    void this.dispatch();
  }

  callChanged(call: LiveCall, change: CallChange): void {
    const clients = this.byCall.get(call.callId);
    if (change === 'ended') {
      this.byCall.delete(call.callId);
      this.handedOut.delete(call.callId);
      for (const client of clients ?? []) void client.stream?.stop('call_ended', CLOSE_GRACE_MS);
      return;
    }
    for (const client of clients ?? []) client.stream?.callChanged(call);
    if (change === 'tapped' || change === 'metadata') void this.dispatch();
  }

  private eligible({ request, scope }: InboundClient, call: LiveCall): boolean {
    if (call.ended || !requestHasAudio(request, new Set(call.taps.keys()))) return false;
    if (!inScope(scope, call.vicidial?.campaign)) return false;
    if (request.campaigns && !request.campaigns.includes(call.vicidial?.campaign ?? ''))
      return false;
    if (request.callTypes && !request.callTypes.includes(call.vicidial?.callType ?? ''))
      return false;
    return takesCallKind(request.replays, call);
  }

  /** Hands live calls to waiting next-call clients, one claim at a time. */
  private async dispatch(): Promise<void> {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        for (const call of this.registry.live()) {
          if (this.waiting.length === 0 || this.stopping) break;
          if (this.handedOut.has(call.callId)) continue;
          if (!this.waiting.some((client) => this.eligible(client, call))) continue;
          this.handedOut.add(call.callId);
          const key = `next.${call.callId}`;
          let outcome;
          try {
            outcome = await this.claims.claim('next', key, false);
          } catch (error) {
            this.logger.warn(`claiming ${key} failed: ${(error as Error).message}`);
            this.handedOut.delete(call.callId);
            this.dispatchAgain = true;
            break;
          }
          if (outcome === 'held') continue;
          const index = this.waiting.findIndex(
            (client) => !client.gone && this.eligible(client, call),
          );
          if (index < 0 || call.ended) {
            // The client left (or the call ended) while we claimed: give the call back.
            await this.claims.release([key]);
            this.handedOut.delete(call.callId);
            continue;
          }
          const [client] = this.waiting.splice(index, 1);
          this.logger.log(
            `handed call ${call.callId} to next-call client ${client.scope.clientId}`,
          );
          this.startStream(client, call, true);
        }
      } while (this.dispatchAgain && this.waiting.length > 0 && !this.stopping);
    } finally {
      this.dispatching = false;
    }
  }

  /** Graceful stop: streams send their stop and close; waiting clients are told we go away. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.clients].map((client) =>
        client.stream
          ? client.stream.stop('shutdown', CLOSE_GRACE_MS)
          : client.connection.close(1001, 'going away', CLOSE_GRACE_MS),
      ),
    );
  }
}
