import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@asb/config';
import {
  AudioTrack,
  callIdFromChannel,
  StreamStats,
  TapStopped,
  VicidialMetadata,
} from '@asb/contracts';
import { MetricsRegistry } from '@asb/observability';
import { ariEventTime } from '../ari/ari-event-time.util';
import type { AriChannel, AriEvent } from '../ari/ari-model';
import type { AriSession } from '../ari/ari-session';
import type { AriIngestConfig } from '../config/ari-ingest.config';
import { CallEventFactory } from '../events/call-event-factory';
import { CallEventSink } from '../events/call-event-sink';
import { parseVicidialCallCode } from '../policy/parse-vicidial-call-code.util';
import { ConversationLinker } from './conversation-linker';
import { TapPolicy } from '../policy/tap-policy';
import type { TapHandle } from '../tap/tap-handle';
import { TapOrchestrator } from '../tap/tap-orchestrator.service';
import { CallRegistry, RememberedCall, RememberedTap } from './call-registry';
import { ChannelTriage } from './channel-triage';
import { readCallNumbers } from './read-call-numbers.util';
import type { TrackedCall } from './tracked-call';

/** How long an ended call's channel id is remembered, so a stale channel list cannot revive it. */
const ENDED_MEMORY_MS = 120_000;
const ENDED_MEMORY_PRUNE_SIZE = 4096;

/**
 * Follows the calls of every Asterisk server through their channel events: announces each call,
 * its answer, metadata as it becomes known (the VICIdial call code arrives after the channel is
 * created, on inbound calls even after the answer) and its end, and has the answered ones
 * tapped. Events of one server arrive in order on one WebSocket and are handled without waiting,
 * so the event loop is never held up, and an `ended` never waits for Asterisk.
 */
@Injectable()
export class CallTracker {
  private readonly logger = new Logger(CallTracker.name);
  private readonly events = new CallEventFactory();
  private readonly calls = new Map<string, Map<string, TrackedCall>>();
  /** Per server: channel ids of calls that ended lately, with when. */
  private readonly ended = new Map<string, Map<string, number>>();
  /** Per server: tracks being tapped or set up, against TAP_MAX_CONCURRENT. */
  private readonly tapsInUse = new Map<string, number>();
  /** Servers whose taps are being taken down for a graceful stop: nothing new is tapped there. */
  private readonly draining = new Set<string>();
  /** The externalMedia channel of every running tap, to the call it taps. */
  private readonly mediaChannels = new Map<string, TrackedCall>();
  private readonly triage = new ChannelTriage();
  private readonly conversations = new ConversationLinker();
  private readonly metrics;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AriIngestConfig,
    private readonly policy: TapPolicy,
    private readonly taps: TapOrchestrator,
    private readonly sink: CallEventSink,
    private readonly registry: CallRegistry,
    metrics: MetricsRegistry,
  ) {
    this.metrics = {
      events: metrics.counter({
        name: 'ari_ingest_ari_events_total',
        help: 'ARI events received, by type',
        labelNames: ['server', 'type'],
      }),
      invalid: metrics.counter({
        name: 'ari_ingest_ari_events_invalid_total',
        help: 'ARI events that could not be used, by reason',
        labelNames: ['server', 'reason'],
      }),
      active: metrics.gauge({
        name: 'ari_ingest_calls_active',
        help: 'Calls being followed',
        labelNames: ['server'],
      }),
      tapsInUse: metrics.gauge({
        name: 'ari_ingest_taps_in_use',
        help: 'Tracks tapped or being set up, per server (capped by TAP_MAX_CONCURRENT)',
        labelNames: ['server'],
      }),
      notTapped: metrics.counter({
        name: 'ari_ingest_tracks_not_tapped_total',
        help: 'Tracks the policy selects that were not tapped, by reason',
        labelNames: ['server', 'reason'],
      }),
      agentPhones: metrics.gauge({
        name: 'ari_ingest_agent_phones',
        help: 'Agent and supervisor phones seen in rooms, which are not calls',
        labelNames: ['server'],
      }),
      retapped: metrics.counter({
        name: 'ari_ingest_retaps_total',
        help: 'Running taps taken down and set up again, by reason',
        labelNames: ['server', 'reason'],
      }),
    };
  }

  callsOf(server: string): Map<string, TrackedCall> {
    let calls = this.calls.get(server);
    if (!calls) {
      calls = new Map();
      this.calls.set(server, calls);
    }
    return calls;
  }

  /** Whether this instance follows the call now. */
  follows(server: string, channelId: string): boolean {
    return this.calls.get(server)?.has(channelId) ?? false;
  }

  /** Every call followed now, of every server. */
  *allCalls(): IterableIterator<TrackedCall> {
    for (const calls of this.calls.values()) yield* calls.values();
  }

  handle(session: AriSession, event: AriEvent): void {
    this.metrics.events.inc({ server: session.server, type: event.type });
    const channel = event.channel;
    if (!channel) return;
    const at = ariEventTime(event.timestamp);
    try {
      switch (event.type) {
        case 'ChannelCreated':
        case 'ChannelStateChange':
        case 'ChannelCallerId': {
          const call = this.callsOf(session.server).get(channel.id);
          if (call) this.refresh(session, call, channel, at);
          else if (this.policy.isCall(channel)) this.begin(session, channel, at);
          break;
        }
        case 'ChannelDestroyed': {
          const call = this.callsOf(session.server).get(channel.id);
          if (call) this.end(session, call, event.cause ?? 0, event.cause_txt ?? 'Unknown', at);
          else this.mediaGone(session, channel.id);
          this.triage.gone(session.server, channel.id);
          this.countAgentPhones(session.server);
          session.arrivals.left(channel.id);
          break;
        }
        case 'StasisStart':
          session.arrivals.arrived(channel.id);
          break;
        case 'StasisEnd':
          session.arrivals.left(channel.id);
          break;
        default:
          break;
      }
    } catch (error) {
      this.invalid(session, 'unusable_event');
      this.logger.warn(`ignored a ${event.type} of ${session.server}: ${(error as Error).message}`);
    }
  }

  invalid(session: AriSession, reason: string): void {
    this.metrics.invalid.inc({ server: session.server, reason });
  }

  /** Whether the channel belonged to a call that ended lately (a stale list may still show it). */
  endedLately(server: string, channelId: string): boolean {
    const at = this.ended.get(server)?.get(channelId);
    return at !== undefined && performance.now() - at < ENDED_MEMORY_MS;
  }

  /**
   * A call seen for the first time: on its first event, or found later by reconciliation, with
   * the taps an earlier instance left running to adopt. Seeing it again changes nothing, so a
   * call is never begun (or tapped) twice. An agent's phone is never a call; a channel that may
   * still turn out to be one waits for its next event, and the call it becomes starts when the
   * channel was first seen.
   */
  begin(
    session: AriSession,
    channel: AriChannel,
    at?: Date,
    adoptable: RememberedTap[] = [],
  ): TrackedCall | undefined {
    const calls = this.callsOf(session.server);
    const known = calls.get(channel.id);
    if (known) return known;
    if (this.endedLately(session.server, channel.id)) return undefined;
    if (this.policy.isAgentPhone(channel)) {
      if (this.triage.noteAgentPhone(session.server, channel.id)) {
        this.countAgentPhones(session.server);
        this.logger.debug(`${channel.name} on ${session.server} is an agent phone, not a call`);
      }
      return undefined;
    }
    if (this.policy.isUndecided(channel)) {
      this.triage.hold(session.server, channel.id, at);
      return undefined;
    }
    const first = this.triage.take(session.server, channel.id);
    const startedAt = first ? (first.at ?? at) : at;
    const callId = callIdFromChannel(session.server, channel.id);
    const call: TrackedCall = {
      callId,
      server: session.server,
      asteriskId: session.asteriskId,
      channelId: channel.id,
      channelName: channel.name,
      direction: this.policy.directionOf(channel),
      phase: 'ringing',
      channelState: channel.state,
      context: channel.dialplan?.context,
      exten: channel.dialplan?.exten,
      conversationId: callId,
      createdAtMs:
        ariEventTime(channel.creationtime)?.getTime() ?? (startedAt ?? at ?? new Date()).getTime(),
      metadataKey: '',
      taps: new Map(),
      notTapped: new Set(),
      lastSeenAt: at ?? new Date(),
      trackedSince: performance.now(),
    };
    this.absorb(call, channel);
    this.announceConversation(call);
    this.rekey(call);
    for (const tap of adoptable) {
      const handle = this.taps.adopt(tap);
      if (!handle) continue;
      call.taps.set(tap.track, handle);
      this.mediaChannels.set(handle.ids.externalMedia, call);
      this.occupy(session.server, 1);
    }
    calls.set(channel.id, call);
    this.metrics.active.set({ server: session.server }, calls.size);
    void this.sink.emit(this.events.started(call, startedAt));
    void this.registry.remember(call);
    if (channel.state === 'Up') this.answer(session, call, at);
    return call;
  }

  private countAgentPhones(server: string): void {
    this.metrics.agentPhones.set({ server }, this.triage.agentPhoneCount(server));
  }

  /** Takes the numbers and the VICIdial call code from the channel; true when they changed. */
  private absorb(call: TrackedCall, channel: AriChannel): boolean {
    call.channelState = channel.state;
    const callerName = channel.caller?.name || undefined;
    call.callerName = callerName ?? call.callerName;
    const numbers = readCallNumbers(channel, call, this.config.VICIDIAL_DIAL_PREFIXES);
    call.callerNumber = numbers.callerNumber;
    call.calleeNumber = numbers.calleeNumber;
    const code = parseVicidialCallCode(callerName, this.config.VICIDIAL_CALL_CODE_LAYOUT);
    if (code) call.vicidial = { ...call.vicidial, ...code };
    return this.rekey(call);
  }

  /**
   * Links the call to the other legs of its conversation (by the lead in its call code) and
   * publishes `updated` for each other leg whose conversation id that changed; the call's own
   * change is part of its metadata (rekey).
   */
  private announceConversation(call: TrackedCall): void {
    for (const leg of this.conversations.link(call)) {
      if (leg !== call && this.rekey(leg)) void this.sink.emit(this.events.updated(leg));
    }
  }

  /** Recomputes the key of the call's published metadata; true when it changed. */
  private rekey(call: TrackedCall): boolean {
    const key = [
      call.callerNumber,
      call.callerName,
      call.calleeNumber,
      call.conversationId,
      call.vicidial ? JSON.stringify(call.vicidial) : '',
    ].join('|');
    const changed = key !== call.metadataKey;
    call.metadataKey = key;
    return changed;
  }

  /**
   * Adds what VICIdial's database says of a live call (found by its call code, which it must
   * still carry); publishes `updated` when that changed anything.
   */
  enrich(call: TrackedCall, details: VicidialMetadata): void {
    if (call.phase === 'ended' || call.vicidial?.callCode !== details.callCode) return;
    call.vicidial = { ...call.vicidial, ...details };
    this.announceConversation(call);
    if (this.rekey(call)) void this.sink.emit(this.events.updated(call));
  }

  private refresh(session: AriSession, call: TrackedCall, channel: AriChannel, at?: Date): void {
    if (call.phase === 'ended') return;
    call.lastSeenAt = at ?? new Date();
    const absorbed = this.absorb(call, channel);
    this.announceConversation(call);
    const changed = this.rekey(call) || absorbed;
    if (changed) void this.sink.emit(this.events.updated(call, at));
    if (channel.state === 'Up' && call.phase === 'ringing') this.answer(session, call, at);
    // A call code set after the answer (VICIdial's inbound AGI) can make the policy select it.
    else if (changed && call.phase === 'answered') this.tapAll(session, call);
  }

  private answer(session: AriSession, call: TrackedCall, at?: Date): void {
    call.phase = 'answered';
    void this.sink.emit(this.events.answered(call, at));
    this.tapAll(session, call);
  }

  /**
   * Taps each configured track that has no tap set up or running, policy and the server's cap
   * permitting. A track over the cap is announced once as not_tapped and waits for capacity.
   * `lost`: a running tap of one of the tracks whose gateway is gone, to take over from.
   */
  tapAll(session: AriSession, call: TrackedCall, lost?: TapHandle): void {
    if (call.phase !== 'answered' || this.draining.has(call.server)) return;
    if (!this.policy.shouldTap(call.vicidial?.callType)) return;
    for (const track of this.config.TAP_TRACKS) {
      const existing = call.taps.get(track);
      if (existing && !existing.stopped) continue;
      if (this.inUse(call.server) >= this.config.TAP_MAX_CONCURRENT) {
        this.refuse(call, track);
        continue;
      }
      this.occupy(call.server, 1);
      const handle = this.taps.start(
        session,
        call,
        track,
        lost?.track === track ? lost : undefined,
      );
      call.taps.set(track, handle);
      void handle.ready.then((running) => {
        if (running && !handle.stopped) this.mediaChannels.set(handle.ids.externalMedia, call);
        if (running) return void this.registry.remember(call);
        if (call.taps.get(track) === handle) call.taps.delete(track);
        // A stopped handle is given back by whoever stopped it.
        if (!handle.stopped) this.vacate(session, 1);
      });
    }
  }

  private refuse(call: TrackedCall, track: AudioTrack): void {
    if (call.notTapped.has(track)) return;
    call.notTapped.add(track);
    const limit = this.config.TAP_MAX_CONCURRENT;
    this.metrics.notTapped.inc({ server: call.server, reason: 'tap_limit' });
    this.logger.warn(
      `not tapping ${track} of ${call.callId}: ${call.server} already has ${limit} tracks tapped (TAP_MAX_CONCURRENT)`,
    );
    void this.sink.emit(this.events.notTapped(call, track, 'tap_limit', limit));
  }

  private inUse(server: string): number {
    return this.tapsInUse.get(server) ?? 0;
  }

  private occupy(server: string, count: number): void {
    const inUse = this.inUse(server) + count;
    this.tapsInUse.set(server, inUse);
    this.metrics.tapsInUse.set({ server }, inUse);
  }

  /** Gives tap capacity back; calls that were refused get it, oldest first. */
  private vacate(session: AriSession, count: number): void {
    this.occupy(session.server, -count);
    for (const call of this.callsOf(session.server).values()) {
      if (this.inUse(session.server) >= this.config.TAP_MAX_CONCURRENT) break;
      if (call.notTapped.size > 0) this.tapAll(session, call);
    }
  }

  /**
   * Ends a call. Its taps stop counting at once and their tap_stopped and the call's `ended` are
   * published straight away; taking the taps down on Asterisk follows on its own, and whatever
   * it leaves behind, reconciliation removes.
   */
  end(
    session: AriSession,
    call: TrackedCall,
    cause: number,
    causeText: string,
    at = new Date(),
    reconciled?: { lastSeenAt?: Date },
  ): void {
    if (call.phase === 'ended') return;
    call.phase = 'ended';
    this.conversations.leave(call);
    for (const handle of call.taps.values()) this.mediaChannels.delete(handle.ids.externalMedia);
    const calls = this.callsOf(session.server);
    if (calls.get(call.channelId) === call) calls.delete(call.channelId);
    this.rememberEnded(session.server, call.channelId);
    this.metrics.active.set({ server: session.server }, calls.size);
    void this.stopTaps(session, call, 'call_ended');
    void this.sink
      .emit(this.events.ended(call, cause, causeText, at, reconciled))
      .then(() => this.registry.forget(call.server, call.channelId));
  }

  private rememberEnded(server: string, channelId: string): void {
    let ended = this.ended.get(server);
    if (!ended) {
      ended = new Map();
      this.ended.set(server, ended);
    }
    const now = performance.now();
    ended.set(channelId, now);
    if (ended.size > ENDED_MEMORY_PRUNE_SIZE) {
      for (const [id, endedAt] of ended) if (now - endedAt >= ENDED_MEMORY_MS) ended.delete(id);
    }
  }

  /** A call an earlier instance followed and that ended while nobody watched. */
  async endVanished(call: RememberedCall): Promise<void> {
    this.rememberEnded(call.server, call.channelId);
    const lastSeenAt = call.lastSeenAt ? new Date(call.lastSeenAt) : undefined;
    await this.sink.emit(this.events.ended(call, 0, 'Unknown', new Date(), { lastSeenAt }));
    await this.registry.forget(call.server, call.channelId);
  }

  /**
   * Takes one running tap down and sets the track up again (Asterisk lost our channels). The old
   * tap comes down once its replacement runs (or gave up), so the new one never waits for it.
   */
  retap(session: AriSession, call: TrackedCall, track: AudioTrack, reason: 'orphaned'): void {
    const old = this.replace(session, call, track, reason, false);
    if (old) void this.taps.stop(session, call, old, reason, call.taps.get(track)?.ready);
  }

  /**
   * The externalMedia channel of a running tap is gone while its call goes on: the gateway
   * behind its AudioSocket connection died or closed it (Asterisk hangs such a channel up), or
   * someone hung it up. The track is tapped again at once; the new externalMedia channel joins
   * the tap's snoop and bridge, which are still there.
   */
  private mediaGone(session: AriSession, channelId: string): void {
    const call = this.mediaChannels.get(channelId);
    if (!call) {
      this.taps.mediaGone(channelId);
      return;
    }
    this.mediaChannels.delete(channelId);
    const handle = [...call.taps.values()].find((tap) => tap.ids.externalMedia === channelId);
    if (!handle?.running || handle.stopped) return;
    const reason = handle.audioSocket ? 'gateway_lost' : 'orphaned';
    const old = this.replace(session, call, handle.track, reason, true);
    if (old) void this.taps.stop(session, call, old, reason, Promise.resolve());
  }

  /**
   * A stats sample of a followed call: for an AudioSocket tap, it tells which gateway process
   * serves it. Samples of the track's earlier taps (another UUID) and last samples are no news.
   */
  notePlacement(
    server: string,
    channelId: string,
    sample: Pick<StreamStats, 'track' | 'runId' | 'gatewayId' | 'bootId' | 'final'>,
  ): void {
    const handle = this.calls.get(server)?.get(channelId)?.taps.get(sample.track);
    if (!handle?.audioSocket || handle.audioSocket.uuid !== sample.runId) return;
    if (!sample.bootId || sample.final) return;
    handle.servedBy = { gatewayId: sample.gatewayId, bootId: sample.bootId };
  }

  /**
   * Taps again every track of the server that a gateway process now gone served: an RTP
   * allocation on it, or an AudioSocket connection it had taken. The lost taps are taken down
   * at once, not after their replacements run: their RTP still flows to the dead gateway's ports,
   * which the gateway's next process hands out again, and a stream latched there by mistake would
   * carry another call's audio; an AudioSocket connection to a vanished node stays open.
   */
  retapLostGateway(session: AriSession, gatewayId: string, bootId: string): void {
    for (const call of [...this.callsOf(session.server).values()]) {
      for (const handle of [...call.taps.values()]) {
        const served = handle.allocation ?? handle.servedBy;
        if (served?.gatewayId !== gatewayId || served.bootId !== bootId) continue;
        const old = this.replace(session, call, handle.track, 'gateway_lost', true);
        if (old) void this.taps.stop(session, call, old, 'gateway_lost', Promise.resolve());
      }
    }
  }

  /**
   * Forgets a running tap of the track and starts a new one; returns the old tap to stop.
   * `takeOver`: the old tap's snoop and bridge are sound, only its externalMedia is lost.
   */
  private replace(
    session: AriSession,
    call: TrackedCall,
    track: AudioTrack,
    reason: 'gateway_lost' | 'orphaned',
    takeOver: boolean,
  ): TapHandle | undefined {
    const handle = call.taps.get(track);
    if (!handle || handle.stopped || call.phase !== 'answered') return undefined;
    call.taps.delete(track);
    this.mediaChannels.delete(handle.ids.externalMedia);
    this.metrics.retapped.inc({ server: session.server, reason });
    this.logger.warn(`tapping ${track} of ${call.callId} again: ${reason}`);
    this.occupy(session.server, -1);
    this.tapAll(session, call, takeOver && handle.running ? handle : undefined);
    void this.registry.remember(call);
    return handle;
  }

  /** Stops every tap of a call; resolves when Asterisk has been asked to delete them. */
  stopTaps(session: AriSession, call: TrackedCall, reason: TapStopped['reason']): Promise<void> {
    const handles = [...call.taps.values()];
    call.taps.clear();
    call.notTapped.clear();
    const teardown = Promise.all(
      handles.map((handle) => this.taps.stop(session, call, handle, reason)),
    );
    if (handles.length > 0) this.vacate(session, handles.length);
    return teardown.then(() => undefined);
  }

  /**
   * Graceful stop: every tap of the server is taken down; the calls themselves go on, and are
   * recorded as up until now (no hangup was missed while the events arrived), so the instance
   * that finds them gone later knows their end came after this.
   */
  async stopAll(session: AriSession): Promise<void> {
    this.draining.add(session.server);
    const calls = [...this.callsOf(session.server).values()];
    await Promise.all(calls.map((call) => this.stopTaps(session, call, 'shutdown')));
    const now = new Date();
    await Promise.all(
      calls
        .filter((call) => call.phase !== 'ended')
        .map((call) => {
          if (session.connected && call.lastSeenAt < now) call.lastSeenAt = now;
          return this.registry.remember(call);
        }),
    );
  }

  /** Forgets the server's calls without ending them (another instance takes them over). */
  forget(server: string): void {
    for (const call of this.callsOf(server).values()) {
      this.conversations.leave(call);
      for (const handle of call.taps.values()) {
        handle.stopped = true;
        handle.cancel.abort();
        this.mediaChannels.delete(handle.ids.externalMedia);
      }
    }
    this.calls.delete(server);
    this.triage.forget(server);
    this.metrics.agentPhones.set({ server }, 0);
    this.tapsInUse.delete(server);
    this.draining.delete(server);
    this.metrics.active.set({ server }, 0);
    this.metrics.tapsInUse.set({ server }, 0);
  }
}
