import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import pLimit from 'p-limit';
import { APP_CONFIG } from '@asb/config';
import type { AudioTrack, TapFailed, TapStopped } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { AriSession } from '../ari/ari-session';
import { AriRequestFailed } from '../ari/ari-request-failed.error';
import { isChannelGone } from '../ari/channel-gone.util';
import type { RememberedTap } from '../calls/call-registry';
import type { TrackedCall } from '../calls/tracked-call';
import { type AriIngestConfig, tapTransportOf } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';
import { GatewayWatch } from '../gateways/gateway-watch.service';
import { AudioSocketTapRegistry } from './audiosocket-tap-registry';
import { MediaAllocationFailed, MediaAllocator } from './media-allocator';
import { PbxMediaSources } from './pbx-media-sources';
import { ownIdPrefix, TapHandle, TapIds } from './tap-handle';

/** What each track hears: spy=in is what Asterisk receives from the customer's trunk. */
const SPY: Record<AudioTrack, 'in' | 'out' | 'both'> = {
  caller: 'in',
  agent: 'out',
  mixed: 'both',
};
/** After this many failed attempts a tap_failed says so; the tap keeps being retried. */
const REPORT_AFTER_ATTEMPTS = 3;
const FIRST_RETRY_MS = 200;
const NOT_IN_STASIS_RETRY_MS = 25;
/** A tap that loses its media within this time of starting counts as a quick loss. */
const QUICK_LOSS_MS = 5000;

type Stage = TapFailed['stage'];

class TapSetupFailed extends Error {
  override readonly name = 'TapSetupFailed';
  constructor(
    readonly stage: Stage,
    readonly failure: unknown,
  ) {
    super(`${stage}: ${failure instanceof Error ? failure.message : String(failure)}`);
  }

  /** A gateway refused the request itself (it breaks the contract): trying again cannot help. */
  get final(): boolean {
    return this.failure instanceof MediaAllocationFailed && !this.failure.retryable;
  }

  /** The spied channel was gone when the snoop was asked for: the call may have ended. */
  get callChannelMissing(): boolean {
    return (
      this.stage === 'snoop' && this.failure instanceof AriRequestFailed && this.failure.notFound
    );
  }
}

class TapCancelled extends Error {
  override readonly name = 'TapCancelled';
}

/**
 * Sets up and tears down the tap of one track of a call: a snoop channel on the call, an
 * externalMedia channel sending its audio to the media-gateways, and a mixing bridge holding
 * both. Over RTP the externalMedia sends to a port a gateway allocated; over AudioSocket it
 * connects to the gateways' TCP Service with a UUID registered first. It only ever creates and
 * deletes channels of its own; the call's channel is spied on, never touched. A tap that cannot
 * be set up is retried, with backoff, for as long as its call lasts: under load Asterisk may be
 * slow to put new channels into Stasis, and a media-gateway may be restarting.
 */
@Injectable()
export class TapOrchestrator {
  private readonly logger = new Logger(TapOrchestrator.name);
  private readonly events = new CallEventFactory();
  private readonly metrics;
  /** Wake-ups of taps waiting to retry an allocation that found no gateway. */
  private readonly awaitingGateway = new Set<() => void>();
  /** Gateway processes heard starting so far: one that came during an attempt ends the wait. */
  private gatewaysJoined = 0;
  private readonly setupTurns = new Map<string, pLimit.Limit>();
  /** The externalMedia channel of every attempt being set up now. */
  private readonly mediaInSetup = new Map<string, TapHandle>();
  private readonly idPrefix: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly allocator: MediaAllocator,
    private readonly audioSocketTaps: AudioSocketTapRegistry,
    private readonly mediaSources: PbxMediaSources,
    private readonly sink: CallEventSink,
    private readonly gateways: GatewayWatch,
    registry: MetricsRegistry,
  ) {
    this.idPrefix = ownIdPrefix(config);
    this.metrics = {
      active: registry.gauge({ name: 'ari_ingest_taps_active', help: 'Tracks being tapped now' }),
      started: registry.counter({ name: 'ari_ingest_taps_started_total', help: 'Taps set up' }),
      failed: registry.counter({
        name: 'ari_ingest_tap_failures_total',
        help: 'Failed attempts to set a tap up, by stage (each is retried while the call lasts)',
        labelNames: ['stage'],
      }),
      setupSeconds: registry.histogram({
        name: 'ari_ingest_tap_setup_seconds',
        help: 'From the request to tap to RTP flowing: allocation, snoop, externalMedia, bridge',
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      }),
      adopted: registry.counter({
        name: 'ari_ingest_taps_adopted_total',
        help: 'Running taps taken over from an earlier instance instead of being set up again',
      }),
      retried: registry.counter({
        name: 'ari_ingest_tap_retries_total',
        help: 'ARI requests of a tap retried (422 before StasisStart, failed attempts)',
        labelNames: ['reason'],
      }),
    };
    gateways.onJoined(() => {
      this.gatewaysJoined += 1;
      for (const wakeUp of [...this.awaitingGateway]) wakeUp();
    });
  }

  newIds(callId: string, track: AudioTrack): TapIds {
    const tag = randomBytes(3).toString('hex');
    const prefix = this.idPrefix;
    return {
      snoop: `${prefix}s-${callId}-${track}-${tag}`,
      externalMedia: `${prefix}e-${callId}-${track}-${tag}`,
      bridge: `${prefix}b-${callId}-${track}-${tag}`,
    };
  }

  /**
   * Starts tapping one track; the returned handle's `ready` settles when it runs or is cancelled.
   * With `lost`, a tap whose gateway is gone, the first attempt takes over its snoop and bridge
   * and only points a new externalMedia channel at a live gateway: a third of the ARI requests
   * of a new tap (and none of the teardown's but one), and nothing new on the customer's channel.
   */
  start(session: AriSession, call: TrackedCall, track: AudioTrack, lost?: TapHandle): TapHandle {
    const ids = this.newIds(call.callId, track);
    const lostQuickly =
      lost?.runningSince !== undefined && performance.now() - lost.runningSince < QUICK_LOSS_MS;
    const handle: TapHandle = {
      track,
      ids: lost ? { ...lost.ids, externalMedia: ids.externalMedia } : ids,
      ready: Promise.resolve(false),
      running: false,
      stopped: false,
      takingOver: lost !== undefined,
      quickLosses: lostQuickly ? lost.quickLosses + 1 : 0,
      cancel: new AbortController(),
    };
    if (lost) lost.handedOver = true;
    handle.ready = this.setUp(session, call, handle);
    return handle;
  }

  /**
   * Takes over a tap an earlier instance left running (its channels and bridge are on Asterisk
   * and its audio flows): nothing is asked of Asterisk, so the audio goes on without a gap.
   * Undefined when the gateway holding its allocation is gone: such a tap must be set up again.
   */
  adopt(tap: RememberedTap): TapHandle | undefined {
    if (tap.allocation && this.gateways.isLost(tap.allocation.bootId)) return undefined;
    this.metrics.active.inc();
    this.metrics.adopted.inc();
    return {
      track: tap.track,
      ids: tap.ids,
      allocation: tap.allocation,
      audioSocket: tap.audioSocket,
      ready: Promise.resolve(true),
      running: true,
      runningSince: performance.now(),
      stopped: false,
      quickLosses: 0,
      cancel: new AbortController(),
    };
  }

  /**
   * Waits before the next attempt. A tap that found no gateway to allocate from also goes as soon
   * as a gateway process starts beating: when the only gateway restarts, its tracks must not wait
   * out a long backoff once it is back.
   */
  private async pause(ms: number, handle: TapHandle, waitForGateway: boolean): Promise<void> {
    const wake = new AbortController();
    const signal = AbortSignal.any([handle.cancel.signal, wake.signal]);
    const wakeUp = () => wake.abort();
    if (waitForGateway) this.awaitingGateway.add(wakeUp);
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      // Cancelled (the caller sees it) or woken by a gateway.
    } finally {
      this.awaitingGateway.delete(wakeUp);
    }
  }

  private retryDelayMs(attempt: number): number {
    const ceiling = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 2), this.config.TAP_RETRY_MAX_MS);
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private async setUp(session: AriSession, call: TrackedCall, handle: TapHandle): Promise<boolean> {
    const startedAt = performance.now();
    let waitForGateway = false;
    let joinedBefore = this.gatewaysJoined;
    if (handle.quickLosses > 0) {
      this.metrics.retried.inc({ reason: 'media_lost_quickly' });
      // An AudioSocket connection closed at once had no gateway behind it (a load balancer
      // may accept it first): a gateway that starts beating ends the wait.
      const overAudioSocket = tapTransportOf(this.config, call.server) === 'audiosocket';
      await this.pause(this.retryDelayMs(handle.quickLosses + 1), handle, overAudioSocket);
    }
    for (let attempt = 1; !this.cancelled(call, handle); attempt += 1) {
      if (attempt > 1) {
        handle.ids = this.newIds(call.callId, handle.track);
        this.metrics.retried.inc({ reason: 'attempt' });
        const gatewayCame = waitForGateway && this.gatewaysJoined !== joinedBefore;
        if (!gatewayCame) await this.pause(this.retryDelayMs(attempt), handle, waitForGateway);
        if (this.cancelled(call, handle)) return false;
      }
      joinedBefore = this.gatewaysJoined;
      if (attempt > 1) handle.takingOver = false;
      try {
        await this.setupTurn(session.server)(() => this.attempt(session, call, handle));
        if (handle.mediaLostInSetup) {
          handle.mediaLostInSetup = false;
          throw new TapSetupFailed(
            'external_media',
            new Error('the externalMedia channel hung up before the tap ran'),
          );
        }
      } catch (error) {
        await this.dismantle(session, handle);
        if (error instanceof TapCancelled) return false;
        const failure =
          error instanceof TapSetupFailed ? error : new TapSetupFailed('bridge', error);
        // No gateway to allocate from, or (AudioSocket) none that took Asterisk's connection:
        // the next attempt goes as soon as a gateway process starts beating.
        waitForGateway =
          failure.stage === 'allocate' ||
          (failure.stage === 'external_media' &&
            tapTransportOf(this.config, call.server) === 'audiosocket');
        this.metrics.failed.inc({ stage: failure.stage });
        if (attempt === 1 || attempt === REPORT_AFTER_ATTEMPTS || attempt % 20 === 0) {
          this.logger.warn(
            `tap ${handle.track} of ${call.callId} failed (attempt ${attempt}): ${failure.message}; retrying while the call lasts`,
          );
        }
        if (failure.callChannelMissing && (await isChannelGone(session.rest, call.channelId))) {
          // The call is over; its ChannelDestroyed (or reconciliation) ends it.
          return false;
        }
        if ((failure.final || attempt === REPORT_AFTER_ATTEMPTS) && !this.cancelled(call, handle)) {
          void this.sink.emit(
            this.events.tapFailed(call, handle.track, handle.ids.snoop, {
              stage: failure.stage,
              error: failure.message,
              attempts: attempt,
            }),
          );
        }
        if (failure.final) return false;
        continue;
      }
      handle.running = true;
      handle.runningSince = performance.now();
      this.metrics.active.inc();
      this.metrics.started.inc();
      this.metrics.setupSeconds.observe((performance.now() - startedAt) / 1000);
      const { allocation, audioSocket } = handle;
      const codec = audioSocket ? 'slin' : this.config.TAP_CODEC;
      void this.sink.emit(
        this.events.tapStarted(call, {
          track: handle.track,
          codec,
          sampleRate: codec === 'slin16' || this.config.TAP_RESAMPLE_16K ? 16000 : 8000,
          ...(audioSocket
            ? { transport: 'audiosocket' as const, audioSocket }
            : {
                transport: 'rtp' as const,
                gateway: allocation && {
                  gatewayId: allocation.gatewayId,
                  bootId: allocation.bootId,
                  host: allocation.host,
                  port: allocation.port,
                },
              }),
          snoopChannelId: handle.ids.snoop,
          externalMediaChannelId: handle.ids.externalMedia,
          bridgeId: handle.ids.bridge,
        }),
      );
      return true;
    }
    return false;
  }

  /** The server's queue of tap setups: at most TAP_SETUPS_IN_FLIGHT run at once. */
  private setupTurn(server: string): pLimit.Limit {
    let turn = this.setupTurns.get(server);
    if (!turn) this.setupTurns.set(server, (turn = pLimit(this.config.TAP_SETUPS_IN_FLIGHT)));
    return turn;
  }

  private cancelled(call: TrackedCall, handle: TapHandle): boolean {
    return call.phase === 'ended' || handle.stopped;
  }

  /**
   * An externalMedia channel hung up: true if it belonged to an attempt still being set up, which
   * then fails (a running tap's loss is the caller's to handle).
   */
  mediaGone(channelId: string): boolean {
    const handle = this.mediaInSetup.get(channelId);
    if (!handle) return false;
    handle.mediaLostInSetup = true;
    return true;
  }

  private async attempt(session: AriSession, call: TrackedCall, handle: TapHandle): Promise<void> {
    const media = handle.ids.externalMedia;
    this.mediaInSetup.set(media, handle);
    try {
      await this.setUpOnce(session, call, handle);
    } finally {
      this.mediaInSetup.delete(media);
    }
  }

  private async setUpOnce(
    session: AriSession,
    call: TrackedCall,
    handle: TapHandle,
  ): Promise<void> {
    const deadline = Date.now() + this.config.TAP_SETUP_TIMEOUT_MS;
    const { ids } = handle;
    const step = async <T>(stage: Stage, run: () => Promise<T>): Promise<T> => {
      if (this.cancelled(call, handle)) throw new TapCancelled();
      let result: T;
      try {
        result = await run();
      } catch (error) {
        throw new TapSetupFailed(stage, error);
      }
      if (this.cancelled(call, handle)) throw new TapCancelled();
      return result;
    };

    await step('allocate', () => this.prepareMedia(call, handle));
    if (handle.takingOver) {
      const inStasis = session.arrivals.waitFor([ids.externalMedia], deadline - Date.now());
      await step('external_media', () => this.createExternalMedia(session, handle));
      if (!(await inStasis)) {
        throw new TapSetupFailed('timeout', new Error('externalMedia never entered Stasis'));
      }
      await step('bridge', () =>
        this.addWhenInStasis(session, ids.bridge, [ids.externalMedia], deadline),
      );
      return;
    }
    const bothInStasis = session.arrivals.waitFor(
      [ids.snoop, ids.externalMedia],
      deadline - Date.now(),
    );
    // The ids are ours to choose, so the three resources are asked for at once: one round trip
    // of ARI instead of three. Every request is let finish, so a failure leaves nothing behind
    // that the teardown does not know of.
    const created = await Promise.allSettled([
      step('snoop', () =>
        session.rest.snoop({
          channelId: call.channelId,
          spy: SPY[handle.track],
          app: session.app,
          snoopId: ids.snoop,
          appArgs: `tap,${call.callId},${handle.track}`,
        }),
      ),
      step('external_media', () => this.createExternalMedia(session, handle)),
      step('bridge', () => session.rest.createBridge(ids.bridge, `${call.callId} ${handle.track}`)),
    ]);
    const rejected = created.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    if (!(await bothInStasis)) {
      throw new TapSetupFailed(
        'timeout',
        new Error('snoop and externalMedia never both entered Stasis'),
      );
    }
    await step('bridge', () =>
      this.addWhenInStasis(session, ids.bridge, [ids.snoop, ids.externalMedia], deadline),
    );
  }

  /**
   * What the externalMedia channel needs before Asterisk is asked for it. RTP: a port on a live
   * gateway. AudioSocket: the UUID registered, so the pod that takes the connection knows it.
   */
  private async prepareMedia(call: TrackedCall, handle: TapHandle): Promise<void> {
    const sources = await this.mediaSources.of(call.server);
    const resampleTo16k = this.config.TAP_RESAMPLE_16K || undefined;
    if (tapTransportOf(this.config, call.server) === 'audiosocket') {
      const uuid = randomUUID();
      handle.audioSocket = { uuid, address: this.config.TAP_AUDIOSOCKET_ADDRESS as string };
      await this.audioSocketTaps.register({
        uuid,
        callId: call.callId,
        track: handle.track,
        server: call.server,
        resampleTo16k,
        sources,
        registeredAt: new Date().toISOString(),
      });
      return;
    }
    handle.allocation = await this.allocator.allocate({
      callId: call.callId,
      track: handle.track,
      codec: this.config.TAP_CODEC,
      server: call.server,
      resampleTo16k,
      sources,
    });
    const { gatewayId, bootId } = handle.allocation;
    if (this.gateways.isLost(bootId)) throw new Error(`gateway ${gatewayId} is gone`);
  }

  private createExternalMedia(session: AriSession, handle: TapHandle) {
    const { ids, allocation, audioSocket } = handle;
    if (audioSocket) {
      return session.rest.externalMedia({
        app: session.app,
        channelId: ids.externalMedia,
        externalHost: audioSocket.address,
        format: 'slin',
        audioSocket: { uuid: audioSocket.uuid },
      });
    }
    if (!allocation) throw new Error('no gateway port was allocated');
    return session.rest.externalMedia({
      app: session.app,
      channelId: ids.externalMedia,
      externalHost: `${allocation.host}:${allocation.port}`,
      format: this.config.TAP_CODEC,
    });
  }

  /** A channel can still be on its way into Stasis when the bridge asks for it (422): try again. */
  private async addWhenInStasis(
    session: AriSession,
    bridgeId: string,
    channelIds: string[],
    deadline: number,
  ): Promise<void> {
    for (let retry = 1; ; retry += 1) {
      try {
        await session.rest.addChannels(bridgeId, channelIds);
        return;
      } catch (error) {
        const wait = NOT_IN_STASIS_RETRY_MS * retry;
        if (
          !(error instanceof AriRequestFailed && error.notInStasis) ||
          Date.now() + wait > deadline
        )
          throw error;
        this.metrics.retried.inc({ reason: 'not_in_stasis' });
        await sleep(wait);
      }
    }
  }

  /**
   * Stops a track's tap: it stops counting as running at once, and its tap_stopped is queued
   * before anything else the caller publishes for the call (an `ended` must never wait for
   * Asterisk). Its channels and bridge are deleted once `teardownAfter` settles (a replacement
   * tap should not queue behind that teardown); the returned promise settles when they are.
   */
  stop(
    session: AriSession,
    call: TrackedCall,
    handle: TapHandle,
    reason: TapStopped['reason'],
    teardownAfter: Promise<unknown> = handle.ready,
  ): Promise<void> {
    handle.stopped = true;
    handle.cancel.abort();
    if (handle.running) {
      handle.running = false;
      this.metrics.active.dec();
      void this.sink.emit(
        this.events.tapStopped(call, handle.track, handle.ids.externalMedia, reason),
      );
    }
    // A setup that was cancelled takes itself down; one that had finished is taken down here.
    return Promise.all([handle.ready, teardownAfter]).then(([ran]) =>
      ran ? this.dismantle(session, handle) : undefined,
    );
  }

  /**
   * Deletes what a tap created. On Asterisk the externalMedia channel and the bridge outlive the
   * call and leak unless deleted; the snoop usually died with the call, so a 404 is expected.
   */
  private async dismantle(session: AriSession, handle: TapHandle): Promise<void> {
    const { ids } = handle;
    await Promise.all([
      this.quietly(() => session.rest.hangup(ids.externalMedia)),
      handle.handedOver ? undefined : this.quietly(() => session.rest.hangup(ids.snoop)),
      handle.handedOver ? undefined : this.quietly(() => session.rest.destroyBridge(ids.bridge)),
    ]);
    const { allocation, audioSocket } = handle;
    handle.allocation = undefined;
    handle.audioSocket = undefined;
    if (allocation) await this.allocator.release(allocation);
    if (audioSocket) await this.audioSocketTaps.unregister(audioSocket.uuid);
  }

  /** A cleanup request; the REST client retries what is worth it, and reconciliation removes the rest. */
  private async quietly(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      if (error instanceof AriRequestFailed && (error.notFound || error.status === 400)) return;
      this.logger.debug(`cleanup request failed: ${(error as Error).message}`);
    }
  }
}
