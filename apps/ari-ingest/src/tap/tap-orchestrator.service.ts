import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import type { AudioTrack, TapFailed, TapStopped } from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import type { AriSession } from '../ari/ari-session';
import { AriRequestFailed } from '../ari/ari-request-failed.error';
import type { TrackedCall } from '../calls/tracked-call';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';
import { MediaAllocation, MediaAllocationFailed, MediaAllocator } from './media-allocator';
import type { TapHandle, TapIds } from './tap-handle';

/** What each track hears: spy=in is what Asterisk receives from the customer's trunk. */
const SPY: Record<AudioTrack, 'in' | 'out' | 'both'> = {
  caller: 'in',
  agent: 'out',
  mixed: 'both',
};
const SETUP_ATTEMPTS = 3;
const NOT_IN_STASIS_RETRIES = 10;

type Stage = TapFailed['stage'];

class TapSetupFailed extends Error {
  override readonly name = 'TapSetupFailed';
  constructor(
    readonly stage: Stage,
    failure: unknown,
    readonly retryable: boolean,
  ) {
    super(`${stage}: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
}

class TapCancelled extends Error {
  override readonly name = 'TapCancelled';
}

/**
 * Sets up and tears down the tap of one track of a call: a port from a media-gateway, a snoop
 * channel on the call, an externalMedia channel sending RTP to that port, and a mixing bridge
 * holding both. It only ever creates and deletes channels of its own; the call's channel is
 * spied on, never touched.
 */
@Injectable()
export class TapOrchestrator {
  private readonly logger = new Logger(TapOrchestrator.name);
  private readonly events = new CallEventFactory();
  private readonly metrics;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly allocator: MediaAllocator,
    private readonly sink: CallEventSink,
    registry: MetricsRegistry,
  ) {
    this.metrics = {
      active: registry.gauge({ name: 'ari_ingest_taps_active', help: 'Tracks being tapped now' }),
      started: registry.counter({ name: 'ari_ingest_taps_started_total', help: 'Taps set up' }),
      failed: registry.counter({
        name: 'ari_ingest_tap_failures_total',
        help: 'Taps that could not be set up, by stage',
        labelNames: ['stage'],
      }),
      setupSeconds: registry.histogram({
        name: 'ari_ingest_tap_setup_seconds',
        help: 'From the answer to RTP flowing: allocation, snoop, externalMedia, bridge',
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
      retried: registry.counter({
        name: 'ari_ingest_tap_retries_total',
        help: 'ARI requests of a tap retried (422 before StasisStart, failed attempts)',
        labelNames: ['reason'],
      }),
    };
  }

  newIds(callId: string, track: AudioTrack): TapIds {
    const tag = randomBytes(3).toString('hex');
    const prefix = this.config.TAP_ID_PREFIX;
    return {
      snoop: `${prefix}-s-${callId}-${track}-${tag}`,
      externalMedia: `${prefix}-e-${callId}-${track}-${tag}`,
      bridge: `${prefix}-b-${callId}-${track}-${tag}`,
    };
  }

  /** Starts tapping one track; the returned handle's `ready` settles when it runs or has failed. */
  start(session: AriSession, call: TrackedCall, track: AudioTrack): TapHandle {
    const handle: TapHandle = {
      track,
      ids: this.newIds(call.callId, track),
      ready: Promise.resolve(false),
      running: false,
      stopped: false,
    };
    handle.ready = this.setUp(session, call, handle);
    return handle;
  }

  private async setUp(session: AriSession, call: TrackedCall, handle: TapHandle): Promise<boolean> {
    const startedAt = performance.now();
    let last: TapSetupFailed | undefined;
    for (let attempt = 1; attempt <= SETUP_ATTEMPTS; attempt += 1) {
      if (attempt > 1) {
        handle.ids = this.newIds(call.callId, handle.track);
        this.metrics.retried.inc({ reason: 'attempt' });
        await sleep(250 * attempt);
      }
      try {
        await this.attempt(session, call, handle);
        handle.running = true;
        this.metrics.active.inc();
        this.metrics.started.inc();
        this.metrics.setupSeconds.observe((performance.now() - startedAt) / 1000);
        const allocation = handle.allocation as MediaAllocation;
        const codec = this.config.TAP_CODEC;
        void this.sink.emit(
          this.events.tapStarted(call, {
            track: handle.track,
            codec,
            sampleRate: codec === 'slin16' || this.config.TAP_RESAMPLE_16K ? 16000 : 8000,
            gateway: {
              gatewayId: allocation.gatewayId,
              host: allocation.host,
              port: allocation.port,
            },
            snoopChannelId: handle.ids.snoop,
            externalMediaChannelId: handle.ids.externalMedia,
            bridgeId: handle.ids.bridge,
          }),
        );
        return true;
      } catch (error) {
        await this.dismantle(session, handle);
        if (error instanceof TapCancelled) return false;
        last = error instanceof TapSetupFailed ? error : new TapSetupFailed('bridge', error, false);
        this.logger.warn(
          `tap ${handle.track} of ${call.callId} failed (attempt ${attempt}): ${last.message}`,
        );
        if (!last.retryable || this.cancelled(call, handle)) break;
      }
    }
    if (last && !this.cancelled(call, handle)) {
      this.metrics.failed.inc({ stage: last.stage });
      void this.sink.emit(
        this.events.tapFailed(call, handle.track, handle.ids.snoop, {
          stage: last.stage,
          error: last.message,
          attempts: SETUP_ATTEMPTS,
        }),
      );
    }
    return false;
  }

  private cancelled(call: TrackedCall, handle: TapHandle): boolean {
    return call.phase === 'ended' || handle.stopped;
  }

  private async attempt(session: AriSession, call: TrackedCall, handle: TapHandle): Promise<void> {
    const deadline = Date.now() + this.config.TAP_SETUP_TIMEOUT_MS;
    const { ids } = handle;
    const step = async <T>(stage: Stage, run: () => Promise<T>): Promise<T> => {
      if (this.cancelled(call, handle)) throw new TapCancelled();
      let result: T;
      try {
        result = await run();
      } catch (error) {
        const retryable =
          error instanceof MediaAllocationFailed
            ? error.retryable
            : !(error instanceof AriRequestFailed && error.notFound && stage === 'snoop');
        throw new TapSetupFailed(stage, error, retryable);
      }
      if (this.cancelled(call, handle)) throw new TapCancelled();
      return result;
    };

    handle.allocation = await step('allocate', () =>
      this.allocator.allocate({
        callId: call.callId,
        track: handle.track,
        codec: this.config.TAP_CODEC,
        server: call.server,
        resampleTo16k: this.config.TAP_RESAMPLE_16K || undefined,
      }),
    );
    const { host, port } = handle.allocation;
    const bothInStasis = session.arrivals.waitFor(
      [ids.snoop, ids.externalMedia],
      deadline - Date.now(),
    );
    await step('snoop', () =>
      session.rest.snoop({
        channelId: call.channelId,
        spy: SPY[handle.track],
        app: session.app,
        snoopId: ids.snoop,
        appArgs: `tap,${call.callId},${handle.track}`,
      }),
    );
    await step('external_media', () =>
      session.rest.externalMedia({
        app: session.app,
        channelId: ids.externalMedia,
        externalHost: `${host}:${port}`,
        format: this.config.TAP_CODEC,
      }),
    );
    const arrived = await bothInStasis;
    if (!arrived) {
      throw new TapSetupFailed(
        'timeout',
        new Error('snoop and externalMedia never both entered Stasis'),
        true,
      );
    }
    await step('bridge', () =>
      session.rest.createBridge(ids.bridge, `${call.callId} ${handle.track}`),
    );
    await step('bridge', () => this.addWhenInStasis(session, ids));
  }

  /** A channel can still be on its way into Stasis when the bridge asks for it (422): try again. */
  private async addWhenInStasis(session: AriSession, ids: TapIds): Promise<void> {
    for (let retry = 0; ; retry += 1) {
      try {
        await session.rest.addChannels(ids.bridge, [ids.snoop, ids.externalMedia]);
        return;
      } catch (error) {
        if (
          !(error instanceof AriRequestFailed && error.notInStasis) ||
          retry >= NOT_IN_STASIS_RETRIES
        )
          throw error;
        this.metrics.retried.inc({ reason: 'not_in_stasis' });
        await sleep(20 * (retry + 1));
      }
    }
  }

  /** Stops a track's tap when its call ends (or on shutdown); waits for a setup in progress. */
  async stop(
    session: AriSession,
    call: TrackedCall,
    handle: TapHandle,
    reason: TapStopped['reason'],
  ): Promise<void> {
    handle.stopped = true;
    const wasRunning = await handle.ready;
    if (!wasRunning || !handle.running) return;
    handle.running = false;
    this.metrics.active.dec();
    await this.dismantle(session, handle);
    await this.sink.emit(this.events.tapStopped(call, handle.track, handle.ids.snoop, reason));
  }

  /**
   * Deletes what a tap created. On Asterisk the externalMedia channel and the bridge outlive the
   * call and leak unless deleted; the snoop usually died with the call, so a 404 is expected.
   */
  private async dismantle(session: AriSession, handle: TapHandle): Promise<void> {
    const { ids } = handle;
    await Promise.all([
      this.quietly(() => session.rest.hangup(ids.externalMedia)),
      this.quietly(() => session.rest.hangup(ids.snoop)),
    ]);
    await this.quietly(() => session.rest.destroyBridge(ids.bridge));
    if (handle.allocation) {
      const allocation = handle.allocation;
      handle.allocation = undefined;
      await this.allocator.release(allocation);
    }
  }

  /** Runs a cleanup request, retrying a failing Asterisk briefly; what is left, reconciliation removes. */
  private async quietly(run: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        await run();
        return;
      } catch (error) {
        if (error instanceof AriRequestFailed && (error.notFound || error.status === 400)) return;
        if (attempt < 3) await sleep(100 * attempt);
      }
    }
  }
}
