import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import {
  LIVE_CLIENT_EVENTS,
  LIVE_SERVER_EVENTS,
  LiveListenReply,
  liveListenRequestSchema,
  LiveSnapshotMessage,
  TranscriptWatchReply,
} from '@asb/contracts';
import { AuditService } from '../audit/audit.service';
import type { TokenClaims } from '../auth/access-tokens';
import type { AuthUser } from '../auth/auth-user';
import { AuthService } from '../auth/auth.service';
import { describeZodIssues } from '../http/describe-zod-issues.util';
import { CallEventFeed } from '../live/call-event-feed.service';
import { LiveCallsStore } from '../live/live-calls.store';
import { LiveBroadcaster } from './live-broadcaster.service';
import { LiveListenService } from './live-listen.service';
import { LiveTranscriptRelay } from './live-transcript-relay.service';
import { LIVE_NAMESPACE } from './live-namespace.constant';

/** How often open sockets are checked against their user (disabled, password changed, ...). */
const REVALIDATE_MS = 60_000;

interface SocketData {
  user: AuthUser;
  token: string;
  claims: TokenClaims;
}

/**
 * The live namespace: a socket proves who it is in the handshake (`auth: { token }`), gets a
 * snapshot of the calls in progress, then the batched changes. Admins may listen to a call.
 * Long-polling is off: with websockets only, replicas need no sticky sessions.
 */
@WebSocketGateway({ namespace: LIVE_NAMESPACE, transports: ['websocket'], serveClient: false })
export class LiveGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, BeforeApplicationShutdown
{
  private readonly logger = new Logger(LiveGateway.name);
  private namespace?: Namespace;
  private revalidateTimer?: NodeJS.Timeout;
  private complete = false;

  constructor(
    private readonly auth: AuthService,
    private readonly store: LiveCallsStore,
    private readonly broadcaster: LiveBroadcaster,
    private readonly listen: LiveListenService,
    private readonly transcripts: LiveTranscriptRelay,
    private readonly audit: AuditService,
    feed: CallEventFeed,
  ) {
    void feed.caughtUp.then(() => (this.complete = true));
  }

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    namespace.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => next(new Error((error as Error).message)),
      );
    });
    this.broadcaster.attach(namespace);
    this.listen.attach(namespace);
    this.transcripts.attach(namespace);
    this.revalidateTimer = setInterval(() => void this.revalidate(), REVALIDATE_MS);
    this.revalidateTimer.unref();
  }

  private async authenticate(socket: Socket): Promise<void> {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const { user, claims } = await this.auth.authenticate(
      typeof token === 'string' ? token : undefined,
      'access',
    );
    const data: SocketData = { user, token: token as string, claims };
    Object.assign(socket.data, data);
    const expiresInMs = claims.exp * 1000 - Date.now();
    const timer = setTimeout(() => socket.disconnect(true), Math.max(0, expiresInMs));
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  handleConnection(socket: Socket): void {
    const snapshot: LiveSnapshotMessage = {
      at: new Date().toISOString(),
      complete: this.complete,
      calls: this.store.snapshot(),
    };
    socket.emit(LIVE_SERVER_EVENTS.snapshot, snapshot);
  }

  handleDisconnect(socket: Socket): void {
    const data = socket.data as Partial<SocketData>;
    if (data.user) void this.listen.stopAll(socket, data.user, 'disconnected');
    this.transcripts.forget(socket);
  }

  @SubscribeMessage(LIVE_CLIENT_EVENTS.listenStart)
  startListening(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<LiveListenReply> {
    return answerCallRequest(body, async (callId) => {
      // The role is read fresh: a demoted admin must not keep listening rights until the token ends.
      const { user } = await this.auth.authenticate((socket.data as SocketData).token, 'access');
      if (user.role !== 'admin') return 'live listen needs the admin role';
      if (!this.store.get(callId)) return `no call ${callId} in progress`;
      await this.listen.start(socket, user, callId);
      return undefined;
    });
  }

  @SubscribeMessage(LIVE_CLIENT_EVENTS.listenStop)
  stopListening(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<LiveListenReply> {
    return answerCallRequest(body, async (callId) => {
      await this.listen.stop(socket, (socket.data as SocketData).user, callId, 'stopped');
      return undefined;
    });
  }

  /**
   * Only admins follow a call's transcript, as only they listen: it is the call's content. Each
   * watch is in the audit log before a segment is relayed.
   */
  @SubscribeMessage(LIVE_CLIENT_EVENTS.transcriptWatch)
  watchTranscript(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<TranscriptWatchReply> {
    return answerCallRequest(body, async (callId) => {
      // The role is read fresh, as for listening.
      const { user } = await this.auth.authenticate((socket.data as SocketData).token, 'access');
      if (user.role !== 'admin') return 'following a transcript needs the admin role';
      await this.audit.record({
        action: 'transcript_watched',
        user,
        callId,
        clientAddress: this.listen.clientAddress(socket),
      });
      await this.transcripts.watch(socket, callId);
      return undefined;
    });
  }

  @SubscribeMessage(LIVE_CLIENT_EVENTS.transcriptUnwatch)
  unwatchTranscript(
    @ConnectedSocket() socket: Socket,
    @MessageBody() body: unknown,
  ): Promise<TranscriptWatchReply> {
    return answerCallRequest(body, async (callId) => {
      await this.transcripts.unwatch(socket, callId);
      return undefined;
    });
  }

  private async revalidate(): Promise<void> {
    for (const socket of this.namespace?.sockets.values() ?? []) {
      try {
        await this.auth.authenticate((socket.data as SocketData).token, 'access');
      } catch (error) {
        this.logger.log(
          `closing a live socket of ${(socket.data as SocketData).user?.username}: ${(error as Error).message}`,
        );
        socket.disconnect(true);
      }
    }
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.revalidateTimer);
  }
}

/**
 * Answers a `{ callId }` request of the live namespace: an invalid one with what is wrong, a
 * valid one with what `act` refused (its message, or a failure's), or `ok`.
 */
async function answerCallRequest(
  body: unknown,
  act: (callId: string) => Promise<string | undefined>,
): Promise<{ ok: true; callId: string } | { ok: false; error: string }> {
  const request = liveListenRequestSchema.safeParse(body);
  if (!request.success) {
    return { ok: false, error: describeZodIssues(request.error, '(message)').join('; ') };
  }
  const { callId } = request.data;
  try {
    const refused = await act(callId);
    return refused === undefined ? { ok: true, callId } : { ok: false, error: refused };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
