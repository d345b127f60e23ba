import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type { Subscription } from 'nats';
import proxyAddr from 'proxy-addr';
import type { Namespace, Socket } from 'socket.io';
import {
  callAudioWildcard,
  ContractViolation,
  EndedCall,
  LIVE_SERVER_EVENTS,
  LiveAudioFrameMeta,
  parseAudioFrame,
  parseAudioSubject,
} from '@asb/contracts';
import { APP_CONFIG } from '@asb/config';
import { NatsClient } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import { AuditService } from '../audit/audit.service';
import type { AuthUser } from '../auth/auth-user';
import type { DashboardApiConfig } from '../config/dashboard-api.config';
import { LiveCallsStore } from '../live/live-calls.store';
import { listenRoom } from './live-namespace.constant';

export type ListenStopReason = 'stopped' | 'disconnected' | 'call_ended' | 'shutdown';

interface Relay {
  subscription: Subscription;
  listeners: number;
}

/** One socket's listen to one call: since when, and the start that may still be under way. */
interface Listen {
  since: number;
  started: Promise<void>;
}

/**
 * Live listen: while at least one socket of this replica listens to a call, the replica
 * subscribes to that call's audio and relays each frame, as binary, to the call's room. Every
 * start and stop is in the audit log; a start whose audit entry cannot be written is refused.
 */
@Injectable()
export class LiveListenService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(LiveListenService.name);
  private namespace?: Namespace;
  private readonly relays = new Map<string, Relay>();
  /** Per socket: the calls it listens to (or is starting to). */
  private readonly sessions = new Map<Socket, Map<string, Listen>>();
  private readonly trustedProxies: (address: string, hop: number) => boolean;
  private unsubscribe?: () => void;
  private readonly frames;
  private readonly invalid;
  private readonly active;

  constructor(
    private readonly nats: NatsClient,
    private readonly store: LiveCallsStore,
    private readonly audit: AuditService,
    metrics: MetricsRegistry,
    @Inject(APP_CONFIG) config: DashboardApiConfig,
  ) {
    this.trustedProxies = proxyAddr.compile(config.DASHBOARD_TRUSTED_PROXIES ?? []);
    this.frames = metrics.counter({
      name: 'dashboard_listen_frames_relayed_total',
      help: 'Audio frames relayed to live listeners',
    });
    this.invalid = metrics.counter({
      name: 'dashboard_live_invalid_messages_total',
      help: 'Messages refused by the live view, by subject kind and reason',
      labelNames: ['kind', 'reason'],
    });
    this.active = metrics.gauge({
      name: 'dashboard_listen_calls',
      help: 'Calls whose audio this replica relays to at least one listener',
    });
  }

  onApplicationBootstrap(): void {
    this.unsubscribe = this.store.subscribe({
      callChanged: () => undefined,
      streamChanged: () => undefined,
      callEnded: (ended) => void this.endCall(ended),
    });
  }

  attach(namespace: Namespace): void {
    this.namespace = namespace;
  }

  /**
   * Joins the socket to the call's audio; the audit entry is written first. The listen is claimed
   * before anything is awaited, so a second start of the same listen waits for the first instead
   * of subscribing twice, and a stop that arrives meanwhile undoes a complete start.
   */
  async start(socket: Socket, user: AuthUser, callId: string): Promise<void> {
    const calls = this.sessions.get(socket) ?? new Map<string, Listen>();
    this.sessions.set(socket, calls);
    const existing = calls.get(callId);
    if (existing) return existing.started;
    const listen: Listen = { since: Date.now(), started: this.join(socket, user, callId) };
    calls.set(callId, listen);
    try {
      await listen.started;
    } catch (error) {
      this.forget(socket, callId, listen);
      throw error;
    }
  }

  private async join(socket: Socket, user: AuthUser, callId: string): Promise<void> {
    await this.audit.record({
      action: 'live_listen_started',
      user,
      callId,
      clientAddress: this.clientAddress(socket),
    });
    await socket.join(listenRoom(callId));
    this.retain(callId);
    // The reply waits until the server has the subscription, so no frame after it is missed.
    await this.nats.connection.flush();
  }

  async stop(
    socket: Socket,
    user: AuthUser,
    callId: string,
    reason: ListenStopReason,
  ): Promise<void> {
    const listen = this.sessions.get(socket)?.get(callId);
    if (!listen) return;
    this.forget(socket, callId, listen);
    try {
      await listen.started;
    } catch {
      return;
    }
    await socket.leave(listenRoom(callId));
    this.release(callId);
    await this.audit
      .record({
        action: 'live_listen_stopped',
        user,
        callId,
        clientAddress: this.clientAddress(socket),
        detail: { reason, seconds: Math.round((Date.now() - listen.since) / 1000) },
      })
      .catch((error: unknown) => this.logger.warn((error as Error).message));
  }

  private forget(socket: Socket, callId: string, listen: Listen): void {
    const calls = this.sessions.get(socket);
    if (calls?.get(callId) !== listen) return;
    calls.delete(callId);
    if (calls.size === 0) this.sessions.delete(socket);
  }

  /** The client's address as the trusted proxies forward it, like the HTTP API's. */
  clientAddress(socket: Socket): string {
    return proxyAddr(socket.request, this.trustedProxies);
  }

  async stopAll(socket: Socket, user: AuthUser, reason: ListenStopReason): Promise<void> {
    const calls = [...(this.sessions.get(socket)?.keys() ?? [])];
    await Promise.all(calls.map((callId) => this.stop(socket, user, callId, reason)));
  }

  private async endCall(ended: EndedCall): Promise<void> {
    if (!this.relays.has(ended.callId)) return;
    this.namespace?.to(listenRoom(ended.callId)).emit(LIVE_SERVER_EVENTS.listenEnded, {
      callId: ended.callId,
    });
    const listeners = [...this.sessions].filter(([, calls]) => calls.has(ended.callId));
    await Promise.all(
      listeners.map(([socket]) =>
        this.stop(socket, socket.data.user as AuthUser, ended.callId, 'call_ended'),
      ),
    );
  }

  private retain(callId: string): void {
    const relay = this.relays.get(callId);
    if (relay) {
      relay.listeners += 1;
      return;
    }
    const room = listenRoom(callId);
    const subscription = this.nats.connection.subscribe(callAudioWildcard(callId), {
      callback: (error, message) => {
        if (error || !this.namespace) return;
        try {
          const { track } = parseAudioSubject(message.subject);
          const frame = parseAudioFrame(
            (name) => message.headers?.get(name) || undefined,
            message.data,
          );
          const meta: LiveAudioFrameMeta = {
            callId,
            track,
            sequence: frame.sequence,
            timestamp: frame.timestamp,
            sampleRate: frame.sampleRate,
            frameMs: frame.frameMs,
            capturedAt: frame.capturedAt,
            runId: frame.runId,
          };
          this.namespace.to(room).emit(LIVE_SERVER_EVENTS.audio, meta, Buffer.from(frame.pcm));
          this.frames.inc();
        } catch (violation) {
          if (!(violation instanceof ContractViolation)) throw violation;
          this.invalid.inc({ kind: 'audio', reason: violation.reason });
        }
      },
    });
    this.relays.set(callId, { subscription, listeners: 1 });
    this.active.set(this.relays.size);
  }

  private release(callId: string): void {
    const relay = this.relays.get(callId);
    if (!relay) return;
    relay.listeners -= 1;
    if (relay.listeners > 0) return;
    relay.subscription.unsubscribe();
    this.relays.delete(callId);
    this.active.set(this.relays.size);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await Promise.all(
      [...this.sessions.keys()].map((socket) =>
        this.stopAll(socket, socket.data.user as AuthUser, 'shutdown'),
      ),
    );
  }
}
