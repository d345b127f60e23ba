import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { Msg, NatsConnection, Subscription } from 'nats';
import type { z } from 'zod';
import { APP_CONFIG } from '@asb/config';
import {
  ContractViolation,
  MEDIA_ALLOCATE_SUBJECT,
  MEDIA_CONTROL_MAX_BYTES,
  MEDIA_GATEWAY_QUEUE,
  MEDIA_RELEASE_SUBJECT,
  MediaAllocateReply,
  mediaAllocateReplySchema,
  MediaAllocateRequest,
  mediaAllocateRequestSchema,
  mediaReleaseReplySchema,
  MediaReleaseRequest,
  mediaReleaseRequestSchema,
} from '@asb/contracts';
import { NatsClient, respondJson, subscribeJson } from '@asb/nats';
import { MetricsRegistry } from '@asb/observability';
import type { MediaGatewayConfig } from '../config/media-gateway.config';
import { GatewayIdentity } from '../identity/gateway-identity';
import { plainAddress, RtpReceiver } from '../rtp/rtp-receiver';
import { RtpReceiversService } from '../rtp/rtp-receivers.service';
import { UdpBindFailed } from '../rtp/udp-bind-failed.error';
import { Allocation, RELEASE_REASONS, ReleaseReason } from './allocation';
import { ALLOCATION_REFUSED_REASONS, AllocationRefused } from './allocation-refused.error';
import { PortPool } from './port-pool';

type ControlRequest = 'allocate' | 'release';

const ERROR_TEXT_MAX = 1024;

/**
 * Answers media.v1.allocate (in the gateways' queue group, so each request reaches one gateway)
 * and media.v1.release (sent to every gateway; only the owner answers), and owns this gateway's
 * allocations: one RTP receiver on one port each, at most one per track of a call, released
 * when asked, when replaced, when idle and at shutdown.
 */
@Injectable()
export class AllocationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AllocationService.name);
  private readonly byId = new Map<string, Allocation>();
  private readonly byTrack = new Map<string, Allocation>();
  private subscriptions: Subscription[] = [];
  private idleTimer?: NodeJS.Timeout;
  private closing = false;
  private resolveListening!: () => void;
  /** Resolves once this gateway answers requests (its subscriptions are known to the server). */
  readonly listening = new Promise<void>((resolve) => (this.resolveListening = resolve));
  private readonly active;
  private readonly allocated;
  private readonly releases;
  private readonly refused;
  private readonly invalid;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MediaGatewayConfig,
    private readonly nats: NatsClient,
    private readonly identity: GatewayIdentity,
    private readonly pool: PortPool,
    private readonly receivers: RtpReceiversService,
    metrics: MetricsRegistry,
  ) {
    this.active = metrics.gauge({
      name: 'media_gateway_allocations_active',
      help: 'Allocations this gateway holds',
    });
    this.allocated = metrics.counter({
      name: 'media_gateway_allocations_total',
      help: 'Allocations made',
    });
    this.releases = metrics.counter<'reason'>({
      name: 'media_gateway_releases_total',
      help: 'Allocations ended, by reason (released, replaced, idle, shutdown)',
      labelNames: ['reason'],
    });
    this.refused = metrics.counter<'reason'>({
      name: 'media_gateway_allocations_refused_total',
      help: 'Allocation requests refused, by reason',
      labelNames: ['reason'],
    });
    this.invalid = metrics.counter<'request' | 'reason'>({
      name: 'media_gateway_invalid_requests_total',
      help: 'Control requests that broke the contract, by request and reason',
      labelNames: ['request', 'reason'],
    });
    // Every series from the start, so rate() works from the first increase.
    for (const reason of RELEASE_REASONS) this.releases.inc({ reason }, 0);
    for (const reason of ALLOCATION_REFUSED_REASONS) this.refused.inc({ reason }, 0);
    this.active.set(0);
  }

  onApplicationBootstrap(): void {
    const idleTimeout = this.config.GATEWAY_IDLE_TIMEOUT_MS;
    this.idleTimer = setInterval(
      () => this.releaseIdle(),
      Math.max(50, Math.min(1000, idleTimeout / 4)),
    );
    this.nats.connected
      .then((nc) => this.listen(nc))
      .catch((error: unknown) =>
        this.logger.error(`cannot answer allocations: ${(error as Error).message}`),
      );
  }

  /** Stops answering first, then releases everything, which closes every socket. */
  async onModuleDestroy(): Promise<void> {
    this.closing = true;
    clearInterval(this.idleTimer);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    await Promise.all([...this.byId.values()].map((a) => this.release(a, 'shutdown')));
  }

  /** Allocations held now. */
  get held(): number {
    return this.byId.size;
  }

  private async listen(nc: NatsConnection): Promise<void> {
    if (this.closing) return;
    this.subscriptions = [
      subscribeJson(nc, {
        subject: MEDIA_ALLOCATE_SUBJECT,
        queue: MEDIA_GATEWAY_QUEUE,
        schema: mediaAllocateRequestSchema,
        maxBytes: MEDIA_CONTROL_MAX_BYTES,
        handle: (request, message) => this.answerAllocate(request, message),
        onInvalid: (message, violation) => this.refuseInvalid('allocate', message, violation),
        onHandlerError: (error, message) => this.answerFailure('allocate', message, error),
      }),
      subscribeJson(nc, {
        subject: MEDIA_RELEASE_SUBJECT,
        schema: mediaReleaseRequestSchema,
        maxBytes: MEDIA_CONTROL_MAX_BYTES,
        handle: (request, message) => this.answerRelease(request, message),
        onInvalid: (message, violation) => this.refuseInvalid('release', message, violation),
        onHandlerError: (error, message) => this.answerFailure('release', message, error),
      }),
    ];
    await nc.flush();
    this.logger.log(
      `answering ${MEDIA_ALLOCATE_SUBJECT} (queue ${MEDIA_GATEWAY_QUEUE}) and ${MEDIA_RELEASE_SUBJECT} as gateway ${this.identity.gatewayId}, ports ${this.pool.min}-${this.pool.max}`,
    );
    this.resolveListening();
  }

  private async answerAllocate(request: MediaAllocateRequest, message: Msg): Promise<void> {
    let reply: MediaAllocateReply;
    try {
      const allocation = await this.allocate(request);
      reply = {
        ok: true,
        gatewayId: this.identity.gatewayId,
        host: this.identity.host,
        port: allocation.receiver.port,
        allocationId: allocation.id,
        bootId: this.identity.bootId,
      };
    } catch (error) {
      if (!(error instanceof AllocationRefused)) throw error;
      this.refused.inc({ reason: error.reason });
      this.logger.warn(
        `refused ${request.callId}/${request.track} from ${request.server}: ${error.message}`,
      );
      reply = { ok: false, retryable: true, error: error.message };
    }
    this.reply(message, mediaAllocateReplySchema, reply);
  }

  private async answerRelease(request: MediaReleaseRequest, message: Msg): Promise<void> {
    // Every gateway hears every release: only the owner answers, so the first reply is its.
    if (request.gatewayId !== this.identity.gatewayId) return;
    const allocation = this.byId.get(request.allocationId);
    if (!allocation) {
      this.logger.debug(`release of unknown allocation ${request.allocationId} ignored`);
      return;
    }
    await this.release(allocation, 'released');
    this.reply(message, mediaReleaseReplySchema, { ok: true });
  }

  private async allocate(request: MediaAllocateRequest): Promise<Allocation> {
    if (this.closing) throw new AllocationRefused('shutting_down', 'the gateway is shutting down');
    const trackKey = `${request.callId}/${request.track}`;
    // A restarted ari-ingest taps its calls again: the new allocation takes the track over.
    const previous = this.byTrack.get(trackKey);
    if (previous) await this.release(previous, 'replaced');
    const receiver = await this.openReceiver(request);
    if (this.closing) {
      await this.receivers.close(receiver);
      this.pool.give(receiver.port);
      throw new AllocationRefused('shutting_down', 'the gateway is shutting down');
    }
    const allocation: Allocation = {
      id: randomUUID(),
      trackKey,
      server: request.server,
      receiver,
    };
    // Another request for the same track may have been allocated while this one was binding.
    const concurrent = this.byTrack.get(trackKey);
    this.byId.set(allocation.id, allocation);
    this.byTrack.set(trackKey, allocation);
    this.active.set(this.byId.size);
    this.allocated.inc();
    this.logger.log(
      `allocated port ${receiver.port} to ${trackKey} (${request.codec}${request.resampleTo16k ? ', 16 kHz' : ''}) from ${request.server} (${request.sources ? request.sources.join(' ') : 'first sender latched: no addresses given'}) as ${allocation.id}`,
    );
    if (concurrent) await this.release(concurrent, 'replaced');
    return allocation;
  }

  /** Tries each free port once: one may be held by another process. */
  private async openReceiver(request: MediaAllocateRequest): Promise<RtpReceiver> {
    const spec = {
      callId: request.callId,
      track: request.track,
      codec: request.codec,
      resampleTo16k: request.resampleTo16k ?? false,
      sources: request.sources?.map(plainAddress),
    };
    let lastFailure: UdpBindFailed | undefined;
    for (let attempt = 0; attempt < this.pool.size; attempt += 1) {
      const port = this.pool.take();
      if (port === undefined) break;
      try {
        return await this.receivers.open(port, spec);
      } catch (error) {
        this.pool.give(port);
        if (!(error instanceof UdpBindFailed)) throw error;
        lastFailure = error;
        this.logger.warn(error.message);
      }
    }
    const range = `${this.pool.min}-${this.pool.max}`;
    throw new AllocationRefused(
      'pool_exhausted',
      lastFailure
        ? `no free UDP port in ${range} on gateway ${this.identity.gatewayId} (last error: ${lastFailure.message})`
        : `all ${this.pool.size} UDP ports of ${range} on gateway ${this.identity.gatewayId} are allocated`,
    );
  }

  private async release(allocation: Allocation, reason: ReleaseReason): Promise<void> {
    if (!this.byId.delete(allocation.id)) return;
    if (this.byTrack.get(allocation.trackKey) === allocation) {
      this.byTrack.delete(allocation.trackKey);
    }
    this.active.set(this.byId.size);
    this.releases.inc({ reason });
    const { receiver } = allocation;
    this.logger.log(
      `released port ${receiver.port} of ${allocation.trackKey} (${allocation.id}): ${reason}, ${receiver.counters.packets} packets`,
    );
    await this.receivers.close(receiver);
    this.pool.give(receiver.port);
  }

  /** Frees the allocations of callers that vanished (an ari-ingest that died never releases). */
  private releaseIdle(): void {
    const now = performance.now();
    for (const allocation of this.byId.values()) {
      const idleMs = now - allocation.receiver.lastActivityAt;
      if (idleMs < this.config.GATEWAY_IDLE_TIMEOUT_MS) continue;
      this.logger.warn(
        `${allocation.trackKey} (${allocation.id}) received nothing for ${Math.round(idleMs)} ms`,
      );
      void this.release(allocation, 'idle');
    }
  }

  private refuseInvalid(request: ControlRequest, message: Msg, violation: ContractViolation): void {
    this.invalid.inc({ request, reason: violation.reason });
    this.logger.warn(`invalid ${request} request on ${message.subject}: ${violation.message}`);
    const error = violation.message.slice(0, ERROR_TEXT_MAX);
    if (request === 'allocate') {
      this.reply(message, mediaAllocateReplySchema, { ok: false, retryable: false, error });
    } else {
      this.reply(message, mediaReleaseReplySchema, { ok: false, error });
    }
  }

  /** A bug, not a refusal: said so to the caller, who may try another gateway. */
  private answerFailure(request: ControlRequest, message: Msg, error: unknown): void {
    this.logger.error(`answering a ${request} request failed: ${(error as Error).stack}`);
    const text = `gateway ${this.identity.gatewayId} failed: ${(error as Error).message}`.slice(
      0,
      ERROR_TEXT_MAX,
    );
    if (request === 'allocate') {
      this.reply(message, mediaAllocateReplySchema, { ok: false, retryable: true, error: text });
    } else {
      this.reply(message, mediaReleaseReplySchema, { ok: false, error: text });
    }
  }

  private reply<S extends z.ZodType>(message: Msg, schema: S, payload: z.input<S>): void {
    if (!message.reply) return;
    try {
      respondJson(message, schema, payload, MEDIA_CONTROL_MAX_BYTES);
    } catch (error) {
      this.logger.warn(`could not answer on ${message.subject}: ${(error as Error).message}`);
    }
  }
}
