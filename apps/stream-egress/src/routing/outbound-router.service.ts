import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { CallChange, CallsListener, LiveCall } from '../calls/live-call';
import { LiveCallsRegistry } from '../calls/live-calls.registry';
import { ClaimStore } from '../claims/claim-store';
import type {
  ResolvedRoute,
  ResolvedTarget,
  StreamEgressConfig,
} from '../config/stream-egress.config';
import { createFormat, FormatRequest, requestHasAudio } from '../formats/create-format.util';
import { BackendConnection } from '../outbound/backend-connection';
import { signatureHeaders } from '../outbound/sign-stream-request.util';
import { TlsTrust } from '../outbound/tls-trust';
import type { EgressStopReason, EgressStream } from '../streams/egress-stream';
import { EgressStreamFactory } from '../streams/egress-stream.factory';
import { outboundStreamId, targetId, urlLabel } from '../streams/stream-ids.util';
import { SocketBatcher } from '../streams/socket-batcher';
import { matchesRoute, takesCallKind } from './match-route.util';

/** One target of one route, prepared once at start. */
interface OutboundPlan {
  route: ResolvedRoute;
  target: ResolvedTarget;
  targetId: string;
  label: string;
  request: FormatRequest;
}

type EntryState = 'claiming' | 'streaming' | 'elsewhere' | 'finished';

/** A call that should go to a target: claimed here (streaming), held by another replica, ... */
interface Entry {
  key: string;
  callId: string;
  plan: OutboundPlan;
  state: EntryState;
  stream?: EgressStream;
}

/** How long a stopping stream waits for its backend to answer the close. */
export const CLOSE_GRACE_MS = 2000;

/**
 * Outbound streams: for every tapped call that matches a route, one stream per target of the
 * route, from the first tap until the call ends. Every replica sees every call; a call's stream
 * to a target is run by the replica that claims it in NATS KV, and the others check the claim
 * every half lease, taking it over if its holder's lease has lapsed (the holder died), or at once
 * when a holder stops gracefully and lets go of its claims.
 */
@Injectable()
export class OutboundRouter implements CallsListener, OnModuleInit {
  private readonly logger = new Logger(OutboundRouter.name);
  private readonly plans: OutboundPlan[];
  private readonly entries = new Map<string, Entry>();
  private readonly byCall = new Map<string, Set<Entry>>();
  private sweepTimer?: NodeJS.Timeout;
  private sweeping = false;
  private stopping = false;
  private readonly tls: TlsTrust;

  constructor(
    @Inject(APP_CONFIG) private readonly config: StreamEgressConfig,
    private readonly registry: LiveCallsRegistry,
    private readonly claims: ClaimStore,
    private readonly factory: EgressStreamFactory,
    private readonly batcher: SocketBatcher,
  ) {
    this.tls = new TlsTrust(config.EGRESS_TLS_CA_FILE);
    this.plans = config.EGRESS_ROUTES.flatMap((route) =>
      route.targets.map((target, index) => ({
        route,
        target,
        targetId: targetId(route.name, index, target.url, target.format),
        label: urlLabel(target.url),
        request: {
          format: target.format,
          tracks: target.tracks,
          sampleRate: target.sampleRate,
          mixType: target.mixType,
        },
      })),
    );
  }

  onModuleInit(): void {
    this.registry.listen(this);
    this.claims.onLeaseLapse(() => void this.verifyClaims());
    if (this.plans.length > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.claims.leaseMs / 2);
      this.sweepTimer.unref();
    }
  }

  /** Streams running on this replica now. */
  get streams(): EgressStream[] {
    return [...this.entries.values()]
      .map((entry) => entry.stream)
      .filter((stream): stream is EgressStream => stream !== undefined && !stream.isStopped);
  }

  resync(calls: readonly LiveCall[]): void {
    for (const call of calls) this.route(call);
  }

  callChanged(call: LiveCall, change: CallChange): void {
    if (change === 'ended') {
      void this.endCall(call.callId, 'call_ended');
      return;
    }
    this.route(call);
    for (const entry of this.byCall.get(call.callId) ?? []) entry.stream?.callChanged(call);
  }

  private route(call: LiveCall): void {
    if (this.stopping || call.ended || this.plans.length === 0) return;
    const taps = new Set(call.taps.keys());
    for (const plan of this.plans) {
      const key = `out.${call.callId}.${plan.targetId}`;
      if (this.entries.has(key)) continue;
      if (
        !requestHasAudio(plan.request, taps) ||
        !takesCallKind(plan.route.replays, call) ||
        !matchesRoute(plan.route.match, call)
      ) {
        continue;
      }
      const entry: Entry = { key, callId: call.callId, plan, state: 'claiming' };
      this.entries.set(key, entry);
      let ofCall = this.byCall.get(call.callId);
      if (!ofCall) {
        ofCall = new Set();
        this.byCall.set(call.callId, ofCall);
      }
      ofCall.add(entry);
      void this.claim(entry);
    }
  }

  private async claim(entry: Entry): Promise<void> {
    entry.state = 'claiming';
    let outcome;
    try {
      outcome = await this.claims.claim('outbound', entry.key, true);
    } catch (error) {
      this.logger.warn(`claiming ${entry.key} failed, will retry: ${(error as Error).message}`);
      entry.state = 'elsewhere';
      return;
    }
    const call = this.registry.get(entry.callId);
    if (this.stopping || !call || call.ended || this.entries.get(entry.key) !== entry) {
      if (outcome !== 'held') await this.claims.release([entry.key]);
      return;
    }
    if (outcome === 'held') {
      entry.state = 'elsewhere';
      return;
    }
    this.start(entry, call);
  }

  private start(entry: Entry, call: LiveCall): void {
    const { plan } = entry;
    const streamId = outboundStreamId(call.callId, plan.targetId);
    const format = createFormat(plan.request, streamId, this.config.EGRESS_TWILIO_ACCOUNT_SID);
    const stream = this.factory.create(
      { streamId, direction: 'outbound', target: plan.label, format },
      call,
      (stopped, reason) => this.stopped(entry, stopped, reason),
    );
    const connection = new BackendConnection(
      {
        url: plan.target.url,
        subprotocol: format.subprotocol,
        headers: () => this.headers(plan.target, streamId),
        ca: plan.target.url.startsWith('wss:') ? this.tls.caFor(plan.target.caFile) : undefined,
        connectTimeoutMs: this.config.EGRESS_CONNECT_TIMEOUT_MS,
        reconnectMinMs: this.config.EGRESS_RECONNECT_MIN_MS,
        reconnectMaxMs: this.config.EGRESS_RECONNECT_MAX_MS,
        label: `${plan.route.name} ${plan.label}`,
      },
      stream,
      this.batcher,
    );
    stream.bind(connection);
    entry.stream = stream;
    entry.state = 'streaming';
    connection.connect();
  }

  private headers(target: ResolvedTarget, streamId: string): Record<string, string> {
    const headers: Record<string, string> = { ...target.headers };
    if (target.bearerToken) headers['Authorization'] = `Bearer ${target.bearerToken}`;
    if (target.hmacSecret) Object.assign(headers, signatureHeaders(target.hmacSecret, streamId));
    return headers;
  }

  private stopped(entry: Entry, stream: EgressStream, reason: EgressStopReason): void {
    if (entry.stream !== stream) return;
    // The backend closed the stream: this call is done for this target (no restart).
    if (reason === 'backend_closed') entry.state = 'finished';
  }

  private async endCall(callId: string, reason: EgressStopReason): Promise<void> {
    const entries = this.byCall.get(callId);
    if (!entries) return;
    this.byCall.delete(callId);
    const stopping: Array<Promise<void>> = [];
    for (const entry of entries) {
      this.entries.delete(entry.key);
      entry.state = 'finished';
      if (entry.stream) stopping.push(entry.stream.stop(reason, CLOSE_GRACE_MS));
    }
    await Promise.all(stopping);
  }

  /** Retries the claims held elsewhere: a holder whose lease lapsed loses them to us. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.stopping) return;
    this.sweeping = true;
    try {
      const waiting = [...this.entries.values()].filter((entry) => entry.state === 'elsewhere');
      for (let i = 0; i < waiting.length && !this.stopping; i += 50) {
        await Promise.all(waiting.slice(i, i + 50).map((entry) => this.claim(entry)));
      }
    } finally {
      this.sweeping = false;
    }
  }

  /** After our lease lapsed: stop the streams another replica has taken over meanwhile. */
  private async verifyClaims(): Promise<void> {
    for (const entry of [...this.entries.values()]) {
      if (entry.state !== 'streaming' || !entry.stream) continue;
      const stillOurs = await this.claims.holds(entry.key).catch(() => true);
      if (stillOurs || this.entries.get(entry.key) !== entry) continue;
      this.logger.warn(`${entry.key} was taken over while our lease lapsed; stopping our stream`);
      const stream = entry.stream;
      entry.stream = undefined;
      entry.state = 'elsewhere';
      await stream.stop('shutdown', CLOSE_GRACE_MS);
    }
  }

  /** Graceful stop: every stream sends its stop and closes; the claims go to other replicas. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    const streaming = [...this.entries.values()].filter((entry) => entry.state === 'streaming');
    await Promise.all(streaming.map((entry) => entry.stream?.stop('shutdown', CLOSE_GRACE_MS)));
    await this.claims.release(streaming.map((entry) => entry.key));
  }
}
